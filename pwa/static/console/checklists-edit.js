// checklists-edit.js — a new version of a checklist, edited in a form:
// sections and items (type, label, points, per-instance deduction and cap,
// fine per point and fine cap, required, critical, and what each type needs),
// a JSON box for an item's or section's condition (`when`), a JSON import,
// the validator's field errors next to their field (a dry-run PUT as one
// types, and the real one on save), and a live preview of scoring on sample
// answers (js/score.js, the server's own rules) beside it.
//
// The form edits a copy of the stored definition in place, so any field it
// does not know (added by a newer server) goes back untouched. A save names
// the version it started from: if someone published meanwhile the server
// answers 409 and nothing is stored; the screen says which version is new
// and lets one look at it or save over it knowingly.
import { h, clear, L, both, call, ui, toast, field, input, select, textarea, showErrors, errorBox, page, loading, ApiError } from './kit.js';
import { tx } from '../js/i18n.js';
import { score, gradeLabel } from '../js/score.js';
import { renderChecklist } from '../js/checklist.js';
import { KINDS, getTpl, exportJSON, tplHref } from './checklists.js';

const enc = encodeURIComponent;
const TYPES = [['check', '勾选（是/否）', 'Check'], ['pass_fail', '合格/不合格/不适用', 'Pass / fail / n.a.'], ['count', '计数（发现几处）', 'Count'],
  ['number', '数值', 'Number'], ['text', '文字', 'Text'], ['choice', '单选', 'Choice'], ['photo', '照片', 'Photo'],
  ['signature', '签名', 'Signature'], ['speedtest', '测速', 'Speed test'], ['rating', '评分 0–5', 'Rating 0–5']];
const SCORABLE = ['check', 'pass_fail', 'count'];
const CRITICAL = ['check', 'pass_fail', 'speedtest'];
const SERVER_ONLY = ['version', 'created_at', 'created_by'];

const clone = (x) => JSON.parse(JSON.stringify(x));
const blankItem = (n) => ({ id: 'item_' + n, type: 'pass_fail', label: { zh: '新检查项', en: 'New item' }, required: true });
const blankSection = (n) => ({ id: 'section_' + n, title: { zh: '新分节', en: 'New section' }, items: [blankItem(1)] });

export async function render(main, id, from) {
  page(main, '编辑检查表', 'Edit checklist', loading());
  let draft = null;
  let base = 0;
  if (id) {
    try {
      const t = await getTpl(id, from || 0);
      const latest = from ? await getTpl(id, 0) : t;
      base = latest.version;
      draft = clone(t);
    } catch (e) { page(main, '编辑检查表', 'Edit checklist', errorBox(e)); return; }
  } else {
    draft = { id: '', kind: 'walkthrough', title: { zh: '', en: '' }, sections: [blankSection(1)] };
  }
  for (const k of SERVER_ONLY) delete draft[k];
  editor(main, id, draft, base, from);
}

function editor(main, fixedId, draft, base, from) {
  const answers = {}; // the preview's sample answers, kept across redraws
  const formEl = h('form', { class: 'cform tpl-form', id: 'tpl-form', novalidate: true });
  const preview = h('div', { class: 'tpl-preview', id: 'tpl-preview' });
  const tally = h('div', { class: 'tpl-tally', id: 'tpl-tally', 'aria-live': 'polite' });
  const msg = h('div', { class: 'cform-msg' });
  let local = {}; // path → message for JSON boxes that do not parse

  // ---- binding: an input edits obj[key] in place ----
  const changed = () => { schedulePreview(); scheduleCheck(); };
  const text = (obj, key, name, label, attrs = {}) => {
    const el = input({ value: obj[key] ?? '', ...attrs });
    el.addEventListener('input', () => { obj[key] = el.value; changed(); });
    return field(name, label, el);
  };
  const num = (obj, key, name, label, attrs = {}) => {
    const el = input({ type: 'number', step: 'any', value: obj?.[key] ?? '', ...attrs });
    el.addEventListener('input', () => {
      if (el.value === '') delete obj[key]; else obj[key] = Number(el.value);
      changed();
    });
    return field(name, label, el);
  };
  const bool = (obj, key, name, label) => {
    const el = h('input', { type: 'checkbox', checked: !!obj[key] });
    el.addEventListener('change', () => { if (el.checked) obj[key] = true; else if (key === 'required') obj[key] = false; else delete obj[key]; changed(); });
    return field(name, label, el);
  };
  const langText = (obj, key, name, label) => {
    obj[key] ??= { zh: '', en: '' };
    return h('div', { class: 'row tpl-langs' }, text(obj[key], 'zh', name + '.zh', label + '（中文）'), text(obj[key], 'en', name + '.en', label + ' (English)'));
  };
  // whenBox: the condition as JSON; empty removes it, text that is not JSON
  // is held back (shown next to the box) and never sent.
  const whenBox = (obj, name) => {
    const el = textarea({ rows: 2, spellcheck: false, class: 'mono', placeholder: '{"all":[{"subject":"order_type","op":"eq","value":"install"}]}' });
    el.value = obj.when === undefined ? '' : JSON.stringify(obj.when);
    el.addEventListener('input', () => {
      const slot = formEl.querySelector(`.ferr[data-err="${CSS.escape(name + '.when')}"]`);
      delete local[name + '.when'];
      if (!el.value.trim()) delete obj.when;
      else {
        try { obj.when = JSON.parse(el.value); } catch {
          local[name + '.when'] = L('不是有效的 JSON', 'not valid JSON');
        }
      }
      if (slot) slot.textContent = local[name + '.when'] || '';
      el.toggleAttribute('aria-invalid', !!local[name + '.when']);
      changed();
    });
    return field(name + '.when', L('显示条件 when（JSON，可留空）', 'Condition "when" (JSON, optional)'), el);
  };
  const move = (list, i, d) => { const j = i + d; if (j < 0 || j >= list.length) return; [list[i], list[j]] = [list[j], list[i]]; draw(); changed(); };
  const small = (label, fn, attrs = {}) => h('button', { type: 'button', class: 'btn small', onclick: fn, ...attrs }, label);

  function itemEl(s, si, it, ii) {
    const p = `sections[${si}].items[${ii}]`;
    const typeSel = select(p + '.type', TYPES.map(([v, zh, en]) => [v, L(zh, en)]), it.type);
    typeSel.addEventListener('change', () => { it.type = typeSel.value; draw(); changed(); });
    const kids = [
      h('div', { class: 'row between' }, h('b', null, `${si + 1}.${ii + 1} `, tx(it.label) || it.id),
        h('span', null, small('↑', () => move(s.items, ii, -1), { 'aria-label': L('上移', 'Up') }), small('↓', () => move(s.items, ii, 1), { 'aria-label': L('下移', 'Down') }),
          small(L('删除', 'Delete'), () => { s.items.splice(ii, 1); draw(); changed(); }, { 'data-del-item': p }))),
      h('small', { class: 'ferr', 'data-err': p }),
      h('div', { class: 'row' }, text(it, 'id', p + '.id', L('编号（小写字母、数字、下划线）', 'Id (a–z, 0–9, _)')), field(p + '.type', L('类型', 'Type'), typeSel)),
      langText(it, 'label', p + '.label', L('名称', 'Label')),
      h('div', { class: 'row' }, bool(it, 'required', p + '.required', L('必填', 'Required')),
        CRITICAL.includes(it.type) ? bool(it, 'critical', p + '.critical', L('关键项（不合格即整单不通过）', 'Critical (fails the whole sheet)')) : null),
    ];
    if (SCORABLE.includes(it.type)) {
      const scored = !!it.score;
      const on = h('input', { type: 'checkbox', checked: scored });
      on.addEventListener('change', () => { if (on.checked) it.score = { max: 1 }; else delete it.score; draw(); changed(); });
      kids.push(field(p + '.score', L('计分', 'Scored'), on));
      if (scored) {
        kids.push(h('div', { class: 'row tpl-score' },
          num(it.score, 'max', p + '.score.max', L('分值', 'Points'), { min: 0 }),
          it.type === 'count' ? num(it.score, 'per_instance', p + '.score.per_instance', L('每处扣分', 'Per instance'), { min: 0 }) : null,
          it.type === 'count' ? num(it.score, 'cap', p + '.score.cap', L('扣分上限', 'Deduction cap'), { min: 0 }) : null,
          num(it.score, 'fine_per_point', p + '.score.fine_per_point', L('每分罚款（元）', 'Fine per point (yuan)'), { min: 0 }),
          num(it.score, 'fine_cap', p + '.score.fine_cap', L('罚款上限（元）', 'Fine cap (yuan)'), { min: 0 })));
      }
    }
    if (it.type === 'number') {
      it.number ??= {};
      kids.push(h('div', { class: 'row' }, num(it.number, 'min', p + '.number.min', L('最小', 'Min')), num(it.number, 'max', p + '.number.max', L('最大', 'Max')),
        text(it.number, 'unit', p + '.number.unit', L('单位', 'Unit'))));
    }
    if (it.type === 'photo') {
      it.photos ??= { min: 0, max: 10 };
      kids.push(h('div', { class: 'row' }, num(it.photos, 'min', p + '.photos.min', L('至少几张', 'At least'), { min: 0 }), num(it.photos, 'max', p + '.photos.max', L('至多几张', 'At most'), { min: 1 })));
    }
    if (it.type === 'speedtest') {
      it.speedtest ??= { min_ratio: 0.9 };
      kids.push(num(it.speedtest, 'min_ratio', p + '.speedtest.min_ratio', L('达标比例（实测 ÷ 签约）', 'Pass ratio (measured ÷ subscribed)'), { min: 0, max: 1.5 }));
    }
    if (it.type === 'choice') {
      it.choices ??= [];
      const el = textarea({ rows: 3, class: 'mono' });
      el.value = it.choices.map((c) => `${c.id}=${c.label?.zh || ''}/${c.label?.en || ''}`).join('\n');
      el.addEventListener('input', () => {
        it.choices = el.value.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
          const [cid, rest = ''] = l.split('=');
          const [zh, en = ''] = rest.split('/');
          return { id: cid.trim(), label: { zh: zh.trim(), en: en.trim() } };
        });
        changed();
      });
      kids.push(field(p + '.choices', L('选项（每行：编号=中文/English）', 'Choices (one a line: id=中文/English)'), el));
    }
    kids.push(whenBox(it, p));
    return h('fieldset', { class: 'tpl-item', 'data-item': it.id, 'data-path': p }, ...kids);
  }

  function sectionEl(s, si) {
    const p = `sections[${si}]`;
    s.items ??= [];
    return h('fieldset', { class: 'tpl-section', 'data-section': s.id, 'data-path': p },
      h('legend', null, L(`第 ${si + 1} 节`, `Section ${si + 1}`), ' ', tx(s.title)),
      h('div', { class: 'row' }, small('↑', () => move(draft.sections, si, -1), { 'aria-label': L('上移', 'Up') }), small('↓', () => move(draft.sections, si, 1), { 'aria-label': L('下移', 'Down') }),
        small(L('删除本节', 'Delete section'), () => { draft.sections.splice(si, 1); draw(); changed(); })),
      h('small', { class: 'ferr', 'data-err': p }),
      text(s, 'id', p + '.id', L('分节编号', 'Section id')),
      langText(s, 'title', p + '.title', L('标题', 'Title')),
      whenBox(s, p),
      h('small', { class: 'ferr', 'data-err': p + '.items' }),
      ...s.items.map((it, ii) => itemEl(s, si, it, ii)),
      small(both('添加检查项', 'Add item'), () => { s.items.push(blankItem(s.items.length + 1)); draw(); changed(); }, { 'data-add-item': p }));
  }

  function draw() {
    draft.sections ??= [];
    const kindSel = select('kind', KINDS.map(([v, zh, en]) => [v, L(zh, en)]), draft.kind);
    kindSel.addEventListener('change', () => { draft.kind = kindSel.value; changed(); });
    const idEl = input({ value: draft.id || '', disabled: !!fixedId });
    idEl.addEventListener('input', () => { draft.id = idEl.value.trim(); changed(); });
    clear(formEl).append(
      h('div', { class: 'row' }, field('id', L('检查表编号', 'Checklist id'), idEl), field('kind', L('用途', 'Kind'), kindSel)),
      langText(draft, 'title', 'title', L('名称', 'Title')),
      h('small', { class: 'ferr', 'data-err': 'grading' }),
      h('small', { class: 'ferr', 'data-err': 'sections' }),
      ...draft.sections.map((s, si) => sectionEl(s, si)),
      small(both('添加分节', 'Add section'), () => { draft.sections.push(blankSection(draft.sections.length + 1)); draw(); changed(); }, { id: 'tpl-add-section' }),
      msg);
    for (const [k, m] of Object.entries(local)) { const slot = formEl.querySelector(`.ferr[data-err="${CSS.escape(k)}"]`); if (slot) slot.textContent = m; }
  }

  // ---- the live preview: the phone's renderer, sample answers, score.js ----
  let pvTimer = 0;
  const schedulePreview = () => { clearTimeout(pvTimer); pvTimer = setTimeout(drawPreview, 250); };
  function drawTally() {
    const r = score(draft, answers);
    const g = r.grade ? tx(gradeLabel(draft, r.grade)) : '—';
    clear(tally).append(h('dl', { class: 'kvgrid', 'data-score': String(r.score), 'data-fines': String(r.fines), 'data-percent': String(r.percent) },
      h('dt', null, L('得分', 'Score')), h('dd', { id: 'tally-score' }, `${r.score} / ${r.max_score}` + (r.percent == null ? '' : `（${r.percent}%）`)),
      h('dt', null, L('等级', 'Grade')), h('dd', null, g),
      h('dt', null, L('罚款合计', 'Fines')), h('dd', { id: 'tally-fines' }, `${r.fines} ${L('元', 'yuan')}`),
      h('dt', null, L('结果', 'Result')), h('dd', null, r.passed ? L('通过', 'passed') : L('不通过（关键项不合格）', 'failed (a critical item failed)'))),
    r.deductions.filter((d) => d.points > 0).length ? h('ul', { class: 'small' }, r.deductions.filter((d) => d.points > 0).map((d) =>
      h('li', { 'data-ded': d.item_id }, `${tx(d.label)}：−${d.points}` + (d.fine ? L(`，罚 ${d.fine} 元`, `, fine ${d.fine} yuan`) : '')))) : null);
  }
  function drawPreview() {
    const root = h('div', { class: 'sheet' });
    clear(preview).append(h('h3', null, both('预览：手机上的样子，可试答', 'Preview: as on the phone; try answers')), h('div', { class: 'phoneframe' }, root));
    try {
      renderChecklist(root, { template: draft, sheet: { answers, photos: {}, photo_meta: {} }, order: null, onChange: (sh) => { Object.assign(answers, sh.answers); for (const k of Object.keys(answers)) if (!(k in sh.answers)) delete answers[k]; drawTally(); } });
    } catch (e) { root.append(h('p', { class: 'err' }, String(e?.message || e))); }
    drawTally();
  }

  // ---- the validator: a dry-run PUT while typing, the real one on save ----
  let ckTimer = 0, ckSeq = 0;
  const scheduleCheck = () => { clearTimeout(ckTimer); ckTimer = setTimeout(check, 700); };
  const clearFieldErrors = () => {
    formEl.querySelectorAll('.ferr').forEach((e) => { e.textContent = ''; });
    formEl.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
    msg.replaceChildren();
    for (const [k, m] of Object.entries(local)) { const slot = formEl.querySelector(`.ferr[data-err="${CSS.escape(k)}"]`); if (slot) slot.textContent = m; }
  };
  const putPath = () => '/templates/' + enc(draft.id || '_');
  async function check() {
    if (!draft.id) return;
    const seq = ++ckSeq;
    try {
      await call('PUT', putPath() + '?dry_run=1', { body: draft });
      if (seq === ckSeq) { clearFieldErrors(); formEl.dataset.valid = 'true'; }
    } catch (e) {
      if (seq !== ckSeq) return;
      formEl.dataset.valid = 'false';
      if (e instanceof ApiError && e.status === 422) {
        clearFieldErrors();
        // Focus stays where the person types.
        const focused = document.activeElement;
        await showErrors(formEl, e);
        focused?.focus?.();
      }
    }
  }

  const saveBtn = h('button', { type: 'button', class: 'btn primary', id: 'tpl-save' }, both('保存为新版本', 'Save as a new version'));
  async function save(over) {
    clearTimeout(ckTimer); ckSeq++;
    clearFieldErrors();
    if (Object.keys(local).length) { msg.append(h('div', { class: 'err', role: 'alert' }, L('有条件 JSON 无效，未保存', 'A condition is not valid JSON; nothing saved'))); return; }
    if (!draft.id) { const s = formEl.querySelector('.ferr[data-err="id"]'); if (s) s.textContent = L('请填写编号', 'Give an id'); return; }
    saveBtn.disabled = true;
    try {
      const q = over || base ? '?base_version=' + (over || base) : '';
      const r = await call('PUT', putPath() + q, { body: draft });
      toast(L(`已发布 v${r.version}；手机下次同步即用新版本`, `Published v${r.version}; phones use it from their next sync`));
      ui.navigate(tplHref(r.id, r.version));
    } catch (e) {
      await showErrors(formEl, e, {
        reload: async () => {
          const now = await getTpl(draft.id, 0);
          return h('span', { id: 'tpl-newer', 'data-version': String(now.version) }, L(`v${now.version}（你从 v${base} 开始编辑）`, `v${now.version} (you started from v${base})`), ' ',
            h('a', { href: `/console/checklists/${enc(draft.id)}/diff?a=${base}&b=${now.version}`, target: '_blank' }, both('查看差异', 'See the diff')));
        },
        retry: async () => { const now = await getTpl(draft.id, 0); await save(now.version); },
      });
    } finally { saveBtn.disabled = false; }
  }
  saveBtn.addEventListener('click', () => save(0));

  // ---- JSON in and out ----
  const file = h('input', { type: 'file', accept: '.json,application/json', id: 'tpl-import-file', hidden: true });
  const importMsg = h('div', { id: 'tpl-import-msg' });
  const takeJSON = (textIn) => {
    clear(importMsg);
    let t;
    try { t = JSON.parse(textIn); } catch { importMsg.append(h('p', { class: 'err', role: 'alert' }, L('不是有效的 JSON', 'Not valid JSON'))); return; }
    if (!t || typeof t !== 'object' || Array.isArray(t)) { importMsg.append(h('p', { class: 'err', role: 'alert' }, L('应为一个检查表对象', 'Expected one checklist object'))); return; }
    for (const k of SERVER_ONLY) delete t[k];
    if (fixedId) t.id = fixedId;
    for (const k of Object.keys(draft)) delete draft[k];
    Object.assign(draft, t);
    local = {};
    draw(); changed();
    importMsg.append(h('p', { class: 'okbox' }, L('已载入，检查无误后保存', 'Loaded; check it, then save')));
  };
  file.addEventListener('change', async () => { const f = file.files?.[0]; if (f) takeJSON(await f.text()); file.value = ''; });
  const paste = textarea({ rows: 4, class: 'mono', id: 'tpl-paste', placeholder: '{ "id": …, "kind": …, "sections": [ … ] }' });

  const title = fixedId ? (from ? L(`编辑 v${from} 为新版本`, `Edit v${from} as a new version`) : L('编辑', 'Edit')) : L('新检查表', 'New checklist');
  page(main, title, tx(draft.title) || '',
    h('div', { class: 'row' }, h('a', { href: fixedId ? tplHref(fixedId) : '/console/checklists', 'data-link': '', class: 'btn small' }, '← ' + both('返回', 'Back'))),
    h('details', { class: 'dlg', id: 'tpl-json' }, h('summary', null, both('导入 / 导出 JSON', 'Import / export JSON')),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', onclick: () => file.click() }, both('从文件导入', 'Import a file')), file,
        h('button', { type: 'button', class: 'btn', id: 'tpl-export-draft', onclick: () => exportJSON({ ...draft, version: 'draft' }) }, both('导出当前内容', 'Export this draft'))),
      field('paste', L('或粘贴 JSON', 'Or paste JSON'), paste),
      h('button', { type: 'button', class: 'btn', id: 'tpl-paste-load', onclick: () => takeJSON(paste.value) }, both('载入', 'Load')), importMsg),
    h('div', { class: 'tpl-edit' }, h('div', { class: 'tpl-left' }, formEl, h('div', { class: 'row tpl-actions' }, saveBtn,
      h('span', { class: 'small muted' }, L('保存即发布新版本；旧版本仍可查看，已提交的记录按其版本计分。', 'Saving publishes a new version; old ones stay readable and sheets keep the version they were scored on.')))),
    h('div', { class: 'tpl-right' }, preview, tally)));
  draw();
  drawPreview();
  scheduleCheck();
}
