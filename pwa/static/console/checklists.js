// checklists.js — 检查表 (checklist templates) in the operator's console:
// every template with its versions, one version as the phone shows it
// (js/checklist.js renders it, read-only, in a phone-wide frame), its JSON
// exported, a diff between two versions, and (checklists-edit.js) a new
// version edited in a form or imported from JSON. Old versions stay
// readable: submissions name template_id + template_version.
import { h, L, both, call, ui, fmtTime, nameOf, errorBox, page, loading, table, ApiError } from './kit.js';
import { tx } from '../js/i18n.js';
import { renderChecklist } from '../js/checklist.js';
import { consoleStyle } from './orders-style.js';

const enc = encodeURIComponent;
export const KINDS = [['acceptance', '验收单', 'Acceptance'], ['walkthrough', '网点巡检', 'Walkthrough'],
  ['spotcheck', '抽检', 'Spot check'], ['callback', '回访脚本', 'Callback script']];
export const kindText = (k) => { const w = KINDS.find((x) => x[0] === k); return w ? L(w[1], w[2]) : k; };
export const tplHref = (id, v) => '/console/checklists/' + enc(id) + (v ? '?v=' + v : '');

export async function render(main, path) {
  consoleStyle();
  const parts = path.replace(/^\/console\/checklists\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(location.search);
  if (parts[0] === 'new' || parts[1] === 'edit') {
    return (await import('./checklists-edit.js')).render(main, parts[0] === 'new' ? null : parts[0], Number(q.get('from')) || 0);
  }
  if (parts[1] === 'diff') return diffPage(main, parts[0], Number(q.get('a')) || 0, Number(q.get('b')) || 0);
  if (parts[0]) return versionPage(main, parts[0], Number(q.get('v')) || 0);
  return list(main);
}

async function list(main) {
  page(main, '检查表', 'Checklists', loading());
  let items = [];
  try {
    let after = '';
    for (let i = 0; i < 20; i++) {
      const r = await call('GET', '/templates?limit=500' + (after ? '&after=' + enc(after) : ''));
      items.push(...(r.items || []));
      if (!r.next) break;
      after = r.next;
    }
  } catch (e) { page(main, '检查表', 'Checklists', errorBox(e)); return; }
  items = items.sort((a, b) => a.kind.localeCompare(b.kind) || tx(a.title).localeCompare(tx(b.title), 'zh'));
  const tbl = table([
    { key: 'title', label: L('名称', 'Title'), render: (t) => h('a', { href: tplHref(t.id), 'data-link': '', 'data-tpl': t.id }, tx(t.title)) },
    { key: 'kind', label: L('用途', 'Kind'), render: (t) => kindText(t.kind) },
    { key: 'version', label: L('最新版本', 'Latest'), cls: 'num', render: (t) => 'v' + t.version },
    { key: 'created_at', label: L('发布于', 'Published'), render: (t) => (t.created_at && !t.created_at.startsWith('0001') ? fmtTime(t.created_at) : '—') },
  ], items, { empty: L('还没有检查表', 'No checklists yet') });
  tbl.id = 'tpl-list';
  page(main, '检查表', 'Checklists',
    h('div', { class: 'row' }, h('a', { class: 'btn', href: '/console/checklists/new', 'data-link': '', id: 'tpl-new' }, both('导入 JSON 新建', 'New from JSON'))),
    tbl);
}

export const getTpl = (id, v) => call('GET', '/templates/' + enc(id) + (v ? '?version=' + v : ''));

// exportJSON saves a version's definition as a file (the server's own
// fields — version, created_* — dropped: a PUT ignores them).
export function exportJSON(t) {
  const { version, created_at: _c, created_by: _b, ...def } = t;
  const blob = new Blob([JSON.stringify(def, null, 2) + '\n'], { type: 'application/json' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `${t.id}-v${version}.json`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
}

// phoneView draws a version as the phone shows it: the same renderer, read
// only, in a frame the width of a phone.
export function phoneView(t, answers = {}) {
  const frame = h('div', { class: 'phoneframe', 'data-phone': '' });
  const root = h('div', { class: 'sheet' });
  frame.append(h('h3', null, tx(t.title)), root);
  try {
    renderChecklist(root, { template: t, sheet: { answers: { ...answers }, photos: {}, photo_meta: {} }, order: null, readOnly: true });
  } catch (e) { root.append(h('p', { class: 'err' }, String(e?.message || e))); }
  return frame;
}

async function versionPage(main, id, v) {
  page(main, '检查表', 'Checklist', loading());
  let t, latest;
  try {
    latest = await getTpl(id, 0);
    t = v && v !== latest.version ? await getTpl(id, v) : latest;
  } catch (e) {
    page(main, '检查表', 'Checklist', backLink(), e instanceof ApiError && e.status === 404
      ? h('p', { class: 'err', id: 'tpl-missing' }, L('没有这个检查表或版本', 'No such checklist or version')) : errorBox(e));
    return;
  }
  const versions = [];
  for (let n = latest.version; n >= 1; n--) versions.push(n);
  const nav = h('nav', { class: 'row tpl-versions', 'aria-label': L('版本', 'Versions') }, versions.map((n) =>
    h('a', { class: 'btn small' + (n === t.version ? ' primary' : ''), href: tplHref(id, n), 'data-link': '', 'data-version': String(n),
      'aria-current': n === t.version ? 'page' : null }, 'v' + n + (n === latest.version ? L('（最新）', ' (latest)') : ''))));
  const prev = t.version > 1 ? t.version - 1 : 0;
  const items = (t.sections || []).reduce((n, s) => n + (s.items || []).length, 0);
  page(main, tx(t.title), 'v' + t.version,
    backLink(), nav,
    h('dl', { class: 'kvgrid', id: 'tpl-info', 'data-version': String(t.version), 'data-latest': String(latest.version) },
      h('dt', null, L('用途', 'Kind')), h('dd', null, kindText(t.kind)),
      h('dt', null, L('版本', 'Version')), h('dd', null, 'v' + t.version, t.version !== latest.version ? h('span', { class: 'pill' }, L('旧版本，只读', 'old version, read only')) : null),
      h('dt', null, L('发布', 'Published')), h('dd', null, t.created_at && !t.created_at.startsWith('0001') ? fmtTime(t.created_at) : '—', t.created_by ? ' · ' + nameOf('person', t.created_by) : ''),
      h('dt', null, L('内容', 'Content')), h('dd', null, L(`${(t.sections || []).length} 节，${items} 项`, `${(t.sections || []).length} sections, ${items} items`))),
    h('div', { class: 'row' },
      h('a', { class: 'btn primary', href: `/console/checklists/${enc(id)}/edit?from=${t.version}`, 'data-link': '', id: 'tpl-edit' }, both('编辑为新版本', 'Edit as a new version')),
      h('button', { type: 'button', class: 'btn', id: 'tpl-export', onclick: () => exportJSON(t) }, both('导出 JSON', 'Export JSON')),
      prev ? h('a', { class: 'btn', href: `/console/checklists/${enc(id)}/diff?a=${prev}&b=${t.version}`, 'data-link': '', id: 'tpl-diff' }, both(`与 v${prev} 对比`, `Diff with v${prev}`)) : null),
    h('h2', { class: 'csub' }, both('手机上的样子', 'As the phone shows it')),
    phoneView(t));
}

const backLink = () => h('div', { class: 'row' }, h('a', { href: '/console/checklists', 'data-link': '', class: 'btn small' }, '← ' + both('检查表', 'Checklists')));

// ---------- diff ----------
// flat turns a template into path → value text, sections and items keyed by
// their id (so a moved item is not a change of every item after it).
export function flat(t) {
  const out = new Map();
  // Plain objects (score, label, number …) are walked to their leaves, so a
  // changed fine reads "score.fine_per_point", not the whole rule.
  const put = (prefix, obj, skip = []) => {
    for (const [k, v] of Object.entries(obj || {})) {
      if (skip.includes(k)) continue;
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) put(prefix + k + '.', v);
      else out.set(prefix + k, JSON.stringify(v));
    }
  };
  put('', t, ['sections', 'version', 'created_at', 'created_by', 'id']);
  (t.sections || []).forEach((s, si) => {
    const sp = `§${s.id}.`;
    put(sp, s, ['items', 'id']);
    out.set(sp + '#', String(si + 1));
    (s.items || []).forEach((it, ii) => {
      put(`§${s.id}/${it.id}.`, it, ['id']);
      out.set(`§${s.id}/${it.id}.#`, String(ii + 1));
    });
  });
  return out;
}

export function diffRows(a, b) {
  const fa = flat(a), fb = flat(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  const rows = [];
  for (const k of keys) {
    const x = fa.get(k), y = fb.get(k);
    if (x === y) continue;
    rows.push({ path: k, before: x, after: y, kind: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed' });
  }
  return rows;
}

// pathText names a diff path for a person: the item's label, not its id.
function pathText(path, a, b) {
  const m = /^§([^./]+)(?:\/([^.]+))?\.(.+)$/.exec(path);
  if (!m) return path;
  const [, sid, iid, prop] = m;
  const find = (t) => { const s = (t.sections || []).find((x) => x.id === sid); return iid ? s?.items?.find((x) => x.id === iid) : s; };
  const node = find(b) || find(a);
  const label = node ? tx(iid ? node.label : node.title) : (iid || sid);
  return (iid ? L('项', 'item') : L('节', 'section')) + '「' + label + '」 ' + (prop === '#' ? L('位置', 'position') : prop);
}

async function diffPage(main, id, va, vb) {
  page(main, '版本对比', 'Diff', loading());
  let latest, a, b;
  try {
    latest = await getTpl(id, 0);
    vb ||= latest.version;
    va ||= Math.max(1, vb - 1);
    [a, b] = await Promise.all([getTpl(id, va), getTpl(id, vb)]);
  } catch (e) { page(main, '版本对比', 'Diff', backLink(), errorBox(e)); return; }
  const vers = [];
  for (let n = 1; n <= latest.version; n++) vers.push([n, 'v' + n]);
  const pickA = h('select', { id: 'diff-a', 'aria-label': L('旧版本', 'From') }, vers.map(([n, s]) => h('option', { value: n, selected: n === va }, s)));
  const pickB = h('select', { id: 'diff-b', 'aria-label': L('新版本', 'To') }, vers.map(([n, s]) => h('option', { value: n, selected: n === vb }, s)));
  const go = () => ui.navigate(`/console/checklists/${enc(id)}/diff?a=${pickA.value}&b=${pickB.value}`);
  pickA.addEventListener('change', go);
  pickB.addEventListener('change', go);
  const rows = diffRows(a, b);
  const show = (v) => (v === undefined ? '—' : v.length > 200 ? v.slice(0, 200) + '…' : v);
  const tbl = table([
    { key: 'path', label: L('位置', 'Where'), render: (r) => pathText(r.path, a, b) },
    { key: 'kind', label: L('变化', 'Change'), render: (r) => h('span', { class: 'pill ' + (r.kind === 'removed' ? 'bad' : r.kind === 'added' ? 'ok' : '') },
      r.kind === 'added' ? L('新增', 'added') : r.kind === 'removed' ? L('删除', 'removed') : L('修改', 'changed')) },
    { key: 'before', label: 'v' + va, render: (r) => h('code', null, show(r.before)) },
    { key: 'after', label: 'v' + vb, render: (r) => h('code', null, show(r.after)) },
  ], rows, { empty: L('两个版本内容相同', 'The two versions are the same') });
  tbl.id = 'tpl-diff-table';
  tbl.dataset.count = String(rows.length);
  page(main, both('版本对比', 'Diff'), tx(b.title),
    h('div', { class: 'row' }, h('a', { href: tplHref(id), 'data-link': '', class: 'btn small' }, '← ' + tx(b.title))),
    h('div', { class: 'row cfilters' }, h('label', null, L('旧 ', 'From '), pickA), h('label', null, L('新 ', 'To '), pickB)),
    tbl);
}
