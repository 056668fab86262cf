// 巡检计划: the desk screen where supervisors and the admin plan inspections
// (store or unit × template × frequency × inspectors, from a start date) and
// see the windows that are due, done or missed. Online only: not precached.
// render(main, path) is the console's entry for /console/plans; overdueCard
// is the supervisor home's "逾期未检" card.
import { h, clear, toast } from '/js/dom.js';
import { t, tx, addStrings } from '/js/i18n.js';
import { api, ApiError, openReport, currentSession } from '/js/api.js';
import { nameEl, nameOf } from '/js/names.js';
import { today } from '/js/shtime.js';

addStrings({
  pl_title: '巡检计划', pl_overdue: '逾期未检', pl_due: '待检', pl_done: '已检', pl_none_overdue: '没有逾期未检的计划',
  pl_list: '全部计划', pl_new: '新建计划', pl_edit: '修改', pl_save: '保存', pl_cancel: '取消', pl_store: '网点', pl_unit: '单位（入户抽查）',
  pl_template: '检查表', pl_freq: '频次', pl_every: '间隔天数', pl_insp: '稽查员（可多选，组成轮值池）', pl_start: '开始日期', pl_active: '启用',
  pl_paused: '已暂停', pl_due_by: '截止 {d}', pl_window: '{a} 至 {b}', pl_saved: '已保存', pl_history: '修改计划只影响今天以后，历史周期的结果保持不变。',
  pl_pdf: '汇总表 PDF', pl_all: '查看全部计划', pl_none: '还没有巡检计划', pl_none_due: '目前没有待检的计划', pl_online: '巡检计划需要联网',
  freq_weekly: '每周', freq_monthly: '每月', freq_quarterly: '每季度', freq_days: '每 {n} 天',
}, {
  pl_title: 'Inspection plans', pl_overdue: 'Overdue', pl_due: 'Due', pl_done: 'Done', pl_none_overdue: 'No overdue inspections',
  pl_list: 'All plans', pl_new: 'New plan', pl_edit: 'Edit', pl_save: 'Save', pl_cancel: 'Cancel', pl_store: 'Store', pl_unit: 'Unit (home-visit spot checks)',
  pl_template: 'Checklist', pl_freq: 'Frequency', pl_every: 'Every N days', pl_insp: 'Inspectors (several make a pool)', pl_start: 'Start date', pl_active: 'Active',
  pl_paused: 'Paused', pl_due_by: 'Due {d}', pl_window: '{a} to {b}', pl_saved: 'Saved', pl_history: 'An edit applies from today on; past windows keep their outcome.',
  pl_pdf: 'Summary PDF', pl_all: 'All plans', pl_none: 'No inspection plans yet', pl_none_due: 'No inspections due', pl_online: 'Plans need a connection',
  freq_weekly: 'Weekly', freq_monthly: 'Monthly', freq_quarterly: 'Quarterly', freq_days: 'Every {n} days',
});

const enc = encodeURIComponent;
const freqText = (v) => t('freq_' + v.frequency, { n: v.every_days });
const people = (list) => (list || []).flatMap((u, i) => (i ? ['、', nameEl('person', u)] : [nameEl('person', u)]));


// windowRow is one window: where, by whom, when, and its outcome.
function windowRow(w, stores) {
  const where = w.store_name || stores.get(w.subject.store_id)?.name || nameEl('unit', w.subject.unit || w.unit);
  return h('li', { class: 'plwin', 'data-status': w.status },
    h('b', null, where), ' · ', t('pl_window', { a: w.start, b: w.due }), ' · ', people(w.inspectors), ' ',
    h('span', { class: 'pill ' + (w.status === 'missed' ? 'bad' : w.status === 'done' ? 'ok' : '') }, t('pl_' + (w.status === 'missed' ? 'overdue' : w.status))),
    w.submission_id ? h('button', { class: 'btn small', onclick: () => openReport(w.submission_id) }, t('pl_pdf')) : null);
}

// overdueCard appends the missed windows of the caller's plans to el.
export async function overdueCard(el) {
  const r = await api('GET', '/plan-windows?status=missed');
  el.append(h('section', { class: 'card wide', id: 'overdue' }, h('h3', null, t('pl_overdue'), ' ', h('span', { class: 'pill bad' }, r.items.length)),
    r.items.length ? h('ul', null, r.items.slice(0, 20).map((w) => windowRow(w, new Map()))) : h('p', { class: 'muted' }, t('pl_none_overdue')),
    h('a', { class: 'btn small', href: '/console/plans', 'data-link': '' }, t('pl_all'))));
}

export async function render(main, path) {
  const root = h('div', { class: 'sup plans', id: 'plans' });
  main.append(root);
  let data;
  try {
    const [plans, wins, stores, tpls, users] = await Promise.all([api('GET', '/plans'), api('GET', '/plan-windows'),
      api('GET', '/stores?limit=5000'), api('GET', '/templates'), api('GET', '/users?limit=5000').catch(() => ({ items: [] }))]);
    data = { plans: plans.items, wins: wins.items, stores: new Map(stores.items.map((s) => [s.id, s])), tpls: tpls.items,
      inspectors: users.items.filter((u) => u.role === 'inspector' && !u.disabled) };
  } catch (e) {
    root.append(h('p', { class: 'warnbox' }, e instanceof ApiError ? e.message : t('pl_online')));
    return;
  }
  const form = h('div', { id: 'planform' });
  const missed = data.wins.filter((w) => w.status === 'missed'), due = data.wins.filter((w) => w.status === 'due');
  root.append(h('h2', null, t('pl_title')),
    h('section', { class: 'card', id: 'overdue' }, h('h3', null, t('pl_overdue')), missed.length ? h('ul', null, missed.map((w) => windowRow(w, data.stores))) : h('p', { class: 'muted' }, t('pl_none_overdue'))),
    h('section', { class: 'card', id: 'duewins' }, h('h3', null, t('pl_due')), due.length ? h('ul', null, due.map((w) => windowRow(w, data.stores))) : h('p', { class: 'muted' }, t('pl_none_due'))),
    h('div', { class: 'row between' }, h('h3', null, t('pl_list')), h('button', { class: 'btn primary', id: 'newplan', onclick: () => edit(form, data, null) }, t('pl_new'))),
    form,
    data.plans.length ? h('table', { class: 'tbl', id: 'planlist', style: 'width:100%;border-collapse:collapse' },
      h('thead', null, h('tr', { style: 'text-align:left' }, [t('pl_store') + ' / ' + t('pl_unit'), t('pl_template'), t('pl_freq'), t('pl_insp'), t('pl_start'), ''].map((x) => h('th', null, x)))), h('tbody', null, data.plans.map((p) => {
      const v = p.versions[p.versions.length - 1];
      const tpl = data.tpls.find((x) => x.id === v.template_id);
      return h('tr', { 'data-plan': p.id },
        h('td', null, p.subject.store_id ? data.stores.get(p.subject.store_id)?.name || '' : nameEl('unit', p.subject.unit)),
        h('td', null, tpl ? tx(tpl.title) : ''), h('td', null, freqText(v), v.active ? '' : ' · ' + t('pl_paused')),
        h('td', null, people(v.inspectors)), h('td', null, p.start),
        h('td', null, h('button', { class: 'btn small', onclick: () => edit(form, data, p) }, t('pl_edit'))));
    }))) : h('p', { class: 'muted' }, t('pl_none')));
}

// edit shows the plan form (p null: a new plan); saving redraws the screen.
function edit(el, data, p) {
  clear(el);
  const v = p ? p.versions[p.versions.length - 1] : { frequency: 'monthly', inspectors: [], active: true };
  const field = (label, input, key) => h('label', { class: 'field', 'data-field': key }, h('span', null, label), input, h('small', { class: 'err' }));
  const opt = (value, label, sel) => h('option', { value, selected: sel }, label);
  const units = [...new Set([...data.stores.values()].map((s) => s.unit).filter(Boolean))];
  const target = h('select', { name: 'target', disabled: !!p },
    opt('', '—'), [...data.stores.values()].map((s) => opt('s:' + s.id, t('pl_store') + '：' + s.name, p?.subject.store_id === s.id)),
    units.map((u) => opt('u:' + u, t('pl_unit') + '：' + nameOf('unit', u), p?.subject.unit === u)));
  // Mystery visits are planned by the admin alone: the visited unit's
  // supervisor must not know who comes or when (the server refuses it, 422).
  const offered = data.tpls.filter((x) => (x.kind === 'walkthrough' || x.kind === 'spotcheck') && (currentSession()?.user?.role === 'admin' || !x.mystery));
  const tpl = h('select', { name: 'template' }, offered.map((x) => opt(x.id, tx(x.title), x.id === v.template_id)));
  // A store is walked through, a unit's home visits are spot-checked: the template follows the target.
  target.addEventListener('change', () => {
    const kind = target.value.startsWith('u:') ? 'spotcheck' : 'walkthrough';
    const first = offered.find((x) => x.kind === kind);
    if (first && offered.find((x) => x.id === tpl.value)?.kind !== kind) tpl.value = first.id;
  });
  const freq = h('select', { name: 'frequency' }, ['weekly', 'monthly', 'quarterly', 'days'].map((f) => opt(f, t('freq_' + f, { n: 'N' }), f === v.frequency)));
  const every = h('input', { name: 'every_days', type: 'number', min: 1, max: 366, value: v.every_days || 7 });
  const insp = h('div', { class: 'checks' }, data.inspectors.map((u) => h('label', null, h('input', { type: 'checkbox', value: u.username, checked: v.inspectors.includes(u.username) }), ' ', u.name || nameOf('person', u.username))));
  const start = h('input', { name: 'start', type: 'date', value: today() });
  const active = h('input', { name: 'active', type: 'checkbox', checked: v.active });
  const f = h('form', { class: 'card planform' },
    field(t('pl_store') + ' / ' + t('pl_unit'), target, 'store_id'), field(t('pl_template'), tpl, 'template_id'),
    field(t('pl_freq'), freq, 'frequency'), field(t('pl_every'), every, 'every_days'), field(t('pl_insp'), insp, 'inspectors'),
    field(t('pl_start'), start, 'start'), h('label', null, active, ' ', t('pl_active')),
    p ? h('p', { class: 'muted small' }, t('pl_history')) : null,
    h('div', { class: 'row' }, h('button', { class: 'btn primary', type: 'submit' }, t('pl_save')), h('button', { class: 'btn', type: 'button', onclick: () => clear(el) }, t('pl_cancel'))));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const e of f.querySelectorAll('.err')) e.textContent = '';
    const [kind, id] = [target.value.slice(0, 1), target.value.slice(2)];
    const body = { template_id: tpl.value, frequency: freq.value, every_days: freq.value === 'days' ? Number(every.value) : 0,
      inspectors: [...insp.querySelectorAll('input:checked')].map((x) => x.value), start: start.value, active: active.checked,
      store_id: kind === 's' ? id : '', unit: kind === 'u' ? id : '' };
    try {
      await api(p ? 'PUT' : 'POST', p ? '/plans/' + enc(p.id) : '/plans', { body });
      toast(t('pl_saved'));
      const main = el.closest('#plans').parentNode;
      el.closest('#plans').remove();
      await render(main, '/console/plans');
    } catch (e) {
      if (!(e instanceof ApiError)) { toast(t('pl_online')); return; }
      for (const [k, msg] of Object.entries(e.fields || {})) {
        const box = f.querySelector(`[data-field="${CSS.escape(k.replace(/\[\d+\]$/, ''))}"] .err`);
        if (box) box.textContent = msg;
      }
      if (!e.fields) toast(e.message);
    }
  });
  el.append(f);
}
