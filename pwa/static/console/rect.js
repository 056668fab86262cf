// rect.js — 整改 (rectifications) in the operator's console: the
// supervisor's screens (js/sup-rect.js: the open ones by unit with due date
// and age, overdue ones marked; one opened, with the resolve form — a note
// and photos) mounted here, grown with what a desk needs: a count per unit
// (open, overdue, oldest), who carries one out (assign), and reopening a
// resolution that is not accepted. Resolving is the server's rule: never by
// a technician (the console is for supervisors and admins anyway).
import { h, L, both, call, ui, nameOf, nameEl, fmtTime, toast, field, select, textarea, form, errorBox, page, loading, table } from './kit.js';
import { rectListView, rectView, listRects, rectState } from '../js/sup-rect.js';
import { consoleStyle } from './orders-style.js';

const enc = encodeURIComponent;
const href = (id) => '/console/rect/' + enc(id);

export async function render(main, path) {
  consoleStyle();
  const id = decodeURIComponent(path.replace(/^\/console\/rect\/?/, ''));
  return id ? one(main, id) : list(main);
}

async function list(main) {
  page(main, '整改', 'Rectifications', loading());
  let open;
  try { open = await listRects('open'); } catch (e) { page(main, '整改', 'Rectifications', errorBox(e)); return; }
  // Per unit: how many are open, how many overdue, the oldest's age.
  const by = new Map();
  for (const r of open) {
    const u = by.get(r.unit) || { unit: r.unit, open: 0, late: 0, oldest: 0 };
    const st = rectState(r);
    u.open++; if (st.late) u.late++; u.oldest = Math.max(u.oldest, st.age);
    by.set(r.unit, u);
  }
  const rows = [...by.values()].sort((a, b) => b.late - a.late || b.open - a.open);
  const sum = table([
    { key: 'unit', label: L('单位', 'Unit'), render: (u) => nameEl('unit', u.unit) },
    { key: 'open', label: L('未完成', 'Open'), cls: 'num', render: (u) => String(u.open) },
    { key: 'late', label: L('已逾期', 'Overdue'), cls: 'num', render: (u) => (u.late ? h('span', { class: 'pill bad', 'data-late-count': String(u.late) }, String(u.late)) : '0') },
    { key: 'oldest', label: L('最久（天）', 'Oldest (days)'), cls: 'num', render: (u) => String(u.oldest) },
  ], rows, { empty: L('没有未完成的整改', 'No open rectifications') });
  sum.id = 'rect-units';
  const root = h('div', { class: 'sup rxview', id: 'rects-page' });
  page(main, '整改', 'Rectifications', h('h2', { class: 'csub' }, both('各单位', 'By unit')), sum, h('h2', { class: 'csub' }, both('整改单', 'Rectifications')), root);
  let status = 'open';
  try { status = sessionStorage.getItem('fc.crx.status') || 'open'; } catch { /* private mode */ }
  await rectListView(root, { status, href, onStatus: (s) => { try { sessionStorage.setItem('fc.crx.status', s); } catch { /* */ } } });
}

// people of a unit who may carry a rectification out (GET /users is the
// caller's scope; the server checks the unit again).
async function unitPeople(unit) {
  const out = [];
  let after = '';
  for (let i = 0; i < 10; i++) {
    const r = await call('GET', '/users?limit=1000&unit=' + enc(unit) + (after ? '&after=' + enc(after) : ''));
    out.push(...(r.items || []).filter((u) => u.unit === unit && !u.disabled));
    if (!r.next) break;
    after = r.next;
  }
  return out.map((u) => [u.username, (u.name || nameOf('person', u.username)) + ' · ' + nameOf('role', u.role)])
    .sort((a, b) => a[1].localeCompare(b[1], 'zh'));
}

async function one(main, id) {
  page(main, '整改单', 'Rectification', loading());
  let r;
  try { r = (await listRects('')).find((x) => x.id === id); } catch (e) { page(main, '整改单', 'Rectification', back(), errorBox(e)); return; }
  const view = h('div', { class: 'sup rxdetail', id: 'rect' });
  const extra = h('div', { id: 'rect-actions' });
  page(main, '整改单', 'Rectification', back(), view, extra);
  await rectView(view, id, { onResolved: () => { toast(L('整改已处理', 'Resolved')); ui.render(); } });
  if (!r) return;
  const current = async () => {
    const now = (await listRects('')).find((x) => x.id === id);
    if (!now) return null;
    r.version = now.version;
    return h('span', { 'data-now-version': String(now.version) }, now.status === 'open' ? L('未完成', 'open') : L('已处理', 'resolved'),
      now.assignee ? ' · ' + L('责任人 ', 'assigned to ') + nameOf('person', now.assignee) : '',
      now.resolved_by ? ' · ' + L('处理人 ', 'resolved by ') + nameOf('person', now.resolved_by) + ' ' + fmtTime(now.resolved_at) : '');
  };
  if (r.assignee) extra.append(h('p', { id: 'rect-assignee' }, L('责任人：', 'Assigned to: '), nameEl('person', r.assignee), r.assigned_at ? ' · ' + fmtTime(r.assigned_at) : ''));
  for (const x of r.reopened || []) {
    extra.append(h('p', { class: 'warnbox rect-reopened' }, L('曾被重新打开：', 'Reopened: '), nameOf('person', x.by), ' · ', fmtTime(x.at), ' · ', x.reason,
      x.note ? h('span', { class: 'muted' }, L('（原处理：', ' (was: ') + x.note + L('）', ')')) : null));
  }
  if (r.status === 'open') {
    let people = [];
    try { people = await unitPeople(r.unit); } catch (e) { extra.append(errorBox(e)); }
    const f = form({
      fields: [field('assignee', L('责任人', 'Carried out by'), select('assignee', [['', L('请选择', 'Choose')], ...people], r.assignee || ''))],
      submit: both('指定责任人', 'Assign'), cls: 'rect-assign',
      onSubmit: async (v) => {
        await call('POST', `/rectifications/${enc(id)}/assign`, { body: { assignee: v.assignee, version: r.version || 0 } });
        toast(L('已指定责任人', 'Assigned'));
        ui.render();
      },
      reload: current,
    });
    f.id = 'rect-assign-form';
    extra.append(h('h2', { class: 'csub' }, both('指定责任人', 'Assign')), f);
  } else {
    const f = form({
      fields: [field('reason', L('重新打开的原因（必填）', 'Why reopen (required)'), textarea({ rows: 2, maxlength: 2000 }))],
      submit: both('重新打开', 'Reopen'), cls: 'rect-reopen',
      onSubmit: async (v) => {
        await call('POST', `/rectifications/${enc(id)}/reopen`, { body: { reason: v.reason, version: r.version || 0 } });
        toast(L('已重新打开', 'Reopened'));
        ui.render();
      },
      reload: current,
    });
    f.id = 'rect-reopen-form';
    extra.append(h('h2', { class: 'csub' }, both('不认可处理结果', 'Not accepted')), f);
  }
}

const back = () => h('div', { class: 'row' }, h('a', { href: '/console/rect', 'data-link': '', class: 'btn small', id: 'rx-back' }, '← ' + both('整改', 'Rectifications')));
