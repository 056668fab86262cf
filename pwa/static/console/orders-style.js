// orders-style.js — the few styles the 工单, 检查表 and 整改 screens add to
// console.css (the shell's), put in once by whichever screen comes first.
const CSS = `
.wo-bulk{position:sticky;top:56px;z-index:3;background:#fff;border:1px solid var(--bd);border-radius:10px;padding:6px 10px;margin:8px 0;align-items:flex-end;gap:10px}
.wo-bulk .cfield{margin:0}
.wo-listform .ctable td[data-col=pick]{width:32px}
.wo-listform .ctable input[type=checkbox]{width:24px;height:24px;flex:none;margin:0}
.wo-listform .ctable td[data-col=id] a{white-space:nowrap}
.wo-changed{margin:4px 0;padding-left:18px}
.imp-table tr.rejected td{background:var(--r2)}
.imp-table tr.changed td{outline:2px solid #e0a800;outline-offset:-2px}
.imp-table .pill,.wo-listform .pill{white-space:nowrap}
.imp-table .imp-err{color:var(--r);min-width:200px}
.imp-table .ferrs{margin:2px 0 0;padding-left:16px}
.ferrs{color:var(--r)}
.phoneframe{width:min(390px,100%);border:8px solid #222;border-radius:24px;padding:10px;background:var(--bg,#f5f7f8);max-height:720px;overflow:auto}
.tpl-edit{display:grid;grid-template-columns:1fr;gap:16px}
@media (min-width:1100px){.tpl-edit{grid-template-columns:minmax(0,1fr) 410px}.tpl-right{position:sticky;top:70px;align-self:start}}
.tpl-form{max-width:none}
.tpl-section{border:1px solid var(--bd);border-radius:10px;margin:12px 0;padding:8px 10px}
.tpl-section legend{font-weight:700;padding:0 4px}
.tpl-item{border:1px dashed var(--bd);border-radius:8px;margin:8px 0;padding:6px 10px;background:#fcfdfd}
.tpl-item .row,.tpl-section .row{gap:10px;align-items:flex-end;flex-wrap:wrap}
.tpl-item .cfield,.tpl-langs .cfield{flex:1 1 140px}
.tpl-score .cfield{flex:1 1 100px;max-width:160px}
.mono{font-family:ui-monospace,monospace;font-size:.88rem}
.tpl-tally{margin-top:10px}
#tpl-diff-table code{white-space:pre-wrap;word-break:break-all;font-size:.82rem}
.rect-reopened{margin:6px 0}
`;
export function consoleStyle() {
  if (document.getElementById('console2-css')) return;
  const s = document.createElement('style');
  s.id = 'console2-css';
  s.textContent = CSS;
  document.head.append(s);
}
