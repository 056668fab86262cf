// The supervisor's dashboard: callback figures by day, week or month, store
// scores, technician compliance, flagged sheets, open rectifications and the
// month's fines. Reports are computed by the server, so this screen is
// online-only; the last figures loaded per group stay in IndexedDB (kv) and
// are shown, with their time, when there is no connection.
import { h, clear } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { api, currentSession, NetError } from './api.js';
import * as db from './db.js';
import * as ui from './nav.js';
import {
  rangeFor, periodLabel, pct, num, dv, barChart, lineChart, hbars, photo, dlButtons, today, otherRecord, storeNames,
} from './sup-common.js';
import { addStrings } from './i18n.js';
import { nameOf, nameEl, refreshNames } from './names.js';

addStrings({
  sup_range: '图表范围', sup_sel_period: '所选周期', sup_sel_day: '{p}（当日）', sup_sel_span: '{p}（{f} 至 {t}）',
  ax_rate: '比率', ax_day: '日期', ax_week: '周', ax_month: '月份', rc_all: '全部整改单', rc_open_one: '处理',
  te_of: '{n} 单', fn_review: '罚款审核',
}, {
  sup_range: 'Chart range', sup_sel_period: 'Selected period', sup_sel_day: '{p}', sup_sel_span: '{p} ({f} to {t})',
  ax_rate: 'Rate', ax_day: 'Day', ax_week: 'Week', ax_month: 'Month', rc_all: 'All rectifications', rc_open_one: 'Resolve',
  te_of: '{n}', fn_review: 'Fine review',
});

let namesP = null; // display names, asked once a session (names.js keeps them offline)

const GROUPS = ['day', 'week', 'month'];
const FLAG_DETAIL_MAX = 8; // flagged sheets whose evidence is fetched and shown
const qs = (o) => Object.entries(o).filter(([, v]) => v != null && v !== '').map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&');

let state = null; // {group, from, to, unit, selected} survives navigation within the session

function initial() {
  let group = 'day';
  try { if (GROUPS.includes(localStorage.getItem('fc.sup.group'))) group = localStorage.getItem('fc.sup.group'); } catch { /* private mode */ }
  return { group, ...rangeFor(group), unit: '', selected: null };
}

export async function supervisorHome() {
  state ??= initial();
  await Promise.race([namesP ??= refreshNames(), new Promise((r) => setTimeout(r, 1500))]);
  const main = ui.main;
  const root = h('div', { id: 'supdash', class: 'supdash sup' });
  main.append(root);
  await draw(root);
}

// fetchAll asks the server for every figure of the dashboard at once.
async function fetchAll(st) {
  const range = qs({ from: st.from, to: st.to, unit: st.unit });
  const get = (p) => api('GET', p);
  const [cb, insp, tech, fines, subs, rects, stores] = await Promise.all([
    get(`/reports/callbacks?${range}&group=${st.group}`),
    get(`/reports/inspections?${range}`),
    get(`/reports/technicians?${range}`),
    get(`/reports/fines?${qs({ month: st.to.slice(0, 7), unit: st.unit })}`),
    get(`/submissions?${qs({ from: st.from, to: st.to, limit: 5000 })}`),
    get('/rectifications?status=open&limit=5000'),
    storeNames(),
  ]);
  const unitOK = (x) => !st.unit || x.unit === st.unit;
  const flagged = subs.items.filter((x) => (x.flags || []).length && unitOK(x)).reverse();
  // The other record a reused photo stands on is named in flag_details
  // (other_workorder_id / other_store_*), when the supervisor may read it.
  const details = await Promise.all(flagged.slice(0, FLAG_DETAIL_MAX).map((x) =>
    get('/submissions/' + encodeURIComponent(x.id)).catch(() => null)));
  return {
    callbacks: cb.items, inspections: insp.items, technicians: tech.items, fines: fines.items,
    flagged: flagged.map((x, i) => ({ ...x, detail: details[i] || null })),
    rects: rects.items.filter(unitOK), stores, more_subs: !!subs.next,
  };
}

// units lists the units an admin may pick (supervisors see their own only).
let unitList = null;
async function units() {
  if (currentSession()?.user?.role !== 'admin') return null;
  if (unitList?.length) return unitList;
  try {
    const us = await api('GET', '/users?limit=5000');
    unitList = [...new Set(us.items.map((u) => u.unit).filter(Boolean))].sort();
  } catch { unitList = []; }
  return unitList;
}

let drawing = 0; // the latest draw wins when the group or dates change quickly

async function draw(root) {
  const st = state;
  const gen = ++drawing;
  const us = await units();
  if (gen !== drawing) return;
  clear(root);
  delete root.dataset.live; // set again once this draw is whole
  const status = h('div', { class: 'supstatus', role: 'status' }, t('sup_loading'));
  root.append(h('div', { class: 'row between suphead' }, h('h2', null, t('sup_title')),
    h('span', null, h('a', { class: 'btn small', href: '/fines', 'data-link': '' }, t('fn_review')), ' ', h('a', { class: 'btn small', href: '/wo', 'data-link': '' }, t('c_orders')))), controls(root, us), status);
  const key = 'sup.dash.' + st.group;
  // The operator's console, one tap from the supervisor's and the admin's home.
  root.querySelector('.suphead').append(h('a', { class: 'btn small primary', id: 'to-console', href: '/console', 'data-link': '' }, '控制台 Console'));
  let snap = null, live = true;
  try {
    snap = { at: new Date().toISOString(), params: { ...st, selected: undefined }, data: await fetchAll(st) };
    if (gen !== drawing) return;
    db.kvSet(key, snap).catch(() => {});
  } catch (e) {
    if (gen !== drawing) return;
    if (!(e instanceof NetError)) { status.className = 'supstatus err'; status.textContent = t('error') + ': ' + e.message; return; }
    live = false;
    snap = await db.kvGet(key).catch(() => null);
    if (gen !== drawing) return;
  }
  if (!live) {
    status.className = 'supstatus warnbox offline';
    status.dataset.offline = '';
    status.textContent = t('sup_online_only') + ' ' + (snap ? t('sup_cached', { t: fmtTime(snap.at) }) : t('sup_no_cache'));
    if (!snap) return;
  } else {
    status.className = 'supstatus muted small';
    status.textContent = t('sup_loaded', { t: fmtTime(snap.at) });
  }
  status.dataset.at = snap.at;
  const p = snap.params;
  root.dataset.group = p.group; root.dataset.from = p.from; root.dataset.to = p.to; root.dataset.unit = p.unit || '';
  if (!live) root.dataset.live = 'false';
  const rows = snap.data.callbacks;
  // Open on the latest period that has something to show (a new day starts empty).
  if (!rows.some((r) => r.period === st.selected)) st.selected = latestWithData(rows)?.period ?? null;
  const grid = h('div', { class: 'supgrid' });
  root.append(grid);
  const kpis = h('section', { class: 'card wide', id: 'kpis' });
  const charts = h('section', { class: 'card', id: 'cbchart' });
  const satc = h('section', { class: 'card', id: 'satchart' });
  const reasons = h('section', { class: 'card', id: 'reasons' });
  const select = (period) => {
    st.selected = period;
    root.dataset.period = period || '';
    const row = rows.find((r) => r.period === period);
    fillKpis(kpis, row, p);
    fillCharts(charts, satc, rows, period, select, p.group);
    fillReasons(reasons, row);
  };
  grid.append(kpis, charts, satc, reasons);
  select(st.selected);
  // The tables follow one by one, each in its own task, so the figures are
  // on screen first and no single draw blocks the phone (it was one 215 ms
  // task under Lighthouse's 4× CPU). data-live says the whole board is drawn.
  const cards = [() => storesCard(snap.data.inspections, p), () => techCard(snap.data.technicians, p),
    () => flagsCard(snap.data.flagged, snap.data.more_subs, Object.fromEntries(snap.data.inspections.map((r) => [r.store_id, r.store_name]))),
    () => rectsCard(snap.data.rects, snap.data.stores || {}), () => finesCard(snap.data.fines, p)];
  for (const card of cards) {
    await new Promise((r) => { setTimeout(r, 0); });
    if (gen !== drawing) return;
    grid.append(card());
  }
  root.dataset.live = String(live);
}

// latestWithData: the last period with any callback figure, else the last period.
export function latestWithData(rows) {
  for (let i = rows.length - 1; i >= 0; i--) { const r = rows[i]; if (r.completed || r.callbacks || r.done) return r; }
  return rows[rows.length - 1] || null;
}

function controls(root, unitList) {
  const st = state;
  const reload = () => draw(root);
  const seg = h('div', { class: 'seg groupsw', role: 'radiogroup' }, GROUPS.map((g) =>
    h('button', { type: 'button', class: 'segbtn' + (st.group === g ? ' on' : ''), 'data-group': g, 'aria-pressed': String(st.group === g),
      onclick: () => {
        if (st.group === g) return;
        Object.assign(st, { group: g, ...rangeFor(g, st.to), selected: null });
        try { localStorage.setItem('fc.sup.group', g); } catch { /* private mode */ }
        reload();
      } }, t('g_' + g))));
  const date = (name) => h('label', { class: 'field inline' }, h('span', null, t('sup_' + name)),
    h('input', { type: 'date', name, value: st[name], max: today(), onchange: (e) => {
      if (!e.target.value) return;
      st[name] = e.target.value;
      if (st.from > st.to) { if (name === 'from') st.to = st.from; else st.from = st.to; }
      st.selected = null;
      reload();
    } }));
  const unitSel = unitList && h('label', { class: 'field inline' }, h('span', null, t('sup_unit')),
    h('select', { name: 'unit', onchange: (e) => { st.unit = e.target.value; st.selected = null; reload(); } },
      h('option', { value: '' }, t('sup_all_units')), unitList.map((u) => h('option', { value: u, selected: u === st.unit }, nameOf('unit', u)))));
  // The dates are the charts' range; the figures below are one period of it.
  return h('div', { class: 'supctl' }, seg, h('fieldset', { class: 'suprange' }, h('legend', { class: 'small muted' }, t('sup_range')), date('from'), date('to')), unitSel,
    h('button', { class: 'btn small', type: 'button', id: 'suprefresh', onclick: reload }, t('sup_refresh')));
}

function kpi(name, value, text, sub) {
  return h('div', { class: 'kpi', 'data-kpi': name, 'data-value': dv(value) },
    h('div', { class: 'kv-v' }, text), h('div', { class: 'kv-l' }, t('k_' + name)), sub ? h('div', { class: 'kv-s small muted' }, sub) : null);
}

function fillKpis(el, r, p) {
  clear(el);
  const range = `${p.from} – ${p.to}`;
  if (!r) { el.append(h('p', { class: 'muted' }, t('c_no_data'), ' · ', range)); return; }
  el.dataset.period = r.period;
  // The period, said once: a day is its date; a week or month its span too.
  const label = r.from && r.to && r.from !== r.to && p.group !== 'day' ? t('sup_sel_span', { p: r.period, f: r.from, t: r.to }) : t('sup_sel_day', { p: r.period });
  el.append(h('div', { class: 'row between' }, h('h3', { id: 'kpi-period' }, t('sup_sel_period'), ' ', h('b', null, label)),
    dlButtons('callbacks', `/reports/callbacks?${qs({ from: p.from, to: p.to, group: p.group, unit: p.unit })}`)),
  h('div', { class: 'kpis' },
    kpi('completed', r.completed, String(r.completed), t('k_unreachable', { n: r.unreachable ?? 0 })),
    kpi('done', r.done, String(r.done)),
    kpi('coverage', r.coverage, pct(r.coverage)),
    kpi('same_day', r.same_day_rate, pct(r.same_day_rate)),
    kpi('within3', r.within_3_days_rate, pct(r.within_3_days_rate)),
    kpi('satisfaction', r.satisfaction_rate, pct(r.satisfaction_rate),
      t('k_sat_detail', { v: r.very_satisfied, s: r.satisfied, u: r.unsatisfied }))));
  // The counts behind the rates, for anyone checking the figures.
  for (const k of ['very_satisfied', 'satisfied', 'unsatisfied', 'callbacks', 'same_day', 'within_3_days']) el.dataset[k.replace(/_(.)/g, (_, c) => c.toUpperCase())] = dv(r[k]);
}

function fillCharts(cbEl, satEl, rows, sel, onSelect, group) {
  const xTitle = t('ax_' + group);
  const width = (el) => Math.round(el.clientWidth - 26) || 320; // inside the card's padding
  const pts = (f) => rows.map((r) => ({ key: r.period, label: periodLabel(r.period), value: r[f] }));
  if (!rows.some((r) => r.completed || r.callbacks || r.done)) {
    // Nothing finished in the range: say so rather than draw bare axes.
    clear(cbEl).append(h('h3', null, t('c_callbacks')), h('p', { class: 'muted', 'data-empty': '' }, t('c_no_data')));
    clear(satEl).append(h('h3', null, t('c_satisfaction')), h('p', { class: 'muted', 'data-empty': '' }, t('c_no_data')));
    return;
  }
  clear(cbEl).append(h('h3', null, t('c_callbacks')),
    h('div', { class: 'legend small' }, h('span', { class: 'sw cov' }), t('k_coverage'), h('span', { class: 'sw sd' }), t('k_same_day')),
    barChart(pts('coverage'), { metric: 'coverage', selected: sel, onSelect, width: width(cbEl), xTitle, yTitle: t('k_coverage') }),
    barChart(pts('same_day_rate'), { metric: 'same_day_rate', selected: sel, onSelect, color: '#d08a12', width: width(cbEl), xTitle, yTitle: t('k_same_day') }),
    h('p', { class: 'small muted' }, t('tap_bar')));
  clear(satEl).append(h('h3', null, t('c_satisfaction')),
    lineChart(pts('satisfaction_rate'), { metric: 'satisfaction_rate', selected: sel, onSelect, width: width(satEl), xTitle, yTitle: t('k_satisfaction') }),
    h('div', { class: 'small muted' }, t('tap_bar')));
}

function fillReasons(el, r) {
  clear(el).append(h('h3', null, t('c_reasons'), r ? h('span', { class: 'muted small' }, ' · ' + r.period) : null));
  const list = r?.top_reasons || [];
  if (!list.length) { el.append(h('p', { class: 'muted' }, t('c_reasons_none'))); return; }
  const max = Math.max(...list.map((x) => x.count));
  el.append(hbars(list.map((x) => ({ label: x.reason, value: x.count, max, text: String(x.count), cls: 'bad', attrs: { 'data-reason': x.reason, 'data-count': x.count } }))));
}

const gradeCls = (g) => 'grade g-' + (g || 'none');

function storesCard(rows, p) {
  const el = h('section', { class: 'card', id: 'stores' }, h('div', { class: 'row between' }, h('h3', null, t('c_stores')),
    dlButtons('inspections', `/reports/inspections?${qs({ from: p.from, to: p.to, unit: p.unit })}`)));
  if (!rows.length) { el.append(h('p', { class: 'muted' }, t('c_no_data'))); return el; }
  const sorted = [...rows].sort((a, b) => (a.score ?? 101) - (b.score ?? 101));
  el.append(hbars(sorted.map((r) => ({ label: r.store_name || r.store_id, value: r.score, max: 100, text: num(r.score), cls: 'g-' + (r.grade || 'none') }))));
  el.append(h('table', { class: 'sup-t stack' }, h('thead', null, h('tr', null, ['st_store', 'st_inspections', 'st_score', 'st_grade', 'st_failed', 'st_fines'].map((k) => h('th', null, t(k))))),
    h('tbody', null, sorted.map((r) => h('tr', { 'data-store': r.store_id, 'data-score': dv(r.score), 'data-grade': r.grade || '', 'data-inspections': r.inspections },
      h('td', { class: 'who' }, r.store_name || r.store_id), h('td', { class: 'n', 'data-label': t('st_inspections') }, String(r.inspections)),
      h('td', { class: 'n score', 'data-label': t('st_score') }, num(r.score)), h('td', { 'data-label': t('st_grade') }, r.grade ? h('span', { class: gradeCls(r.grade) }, t('grade_' + r.grade)) : '—'),
      h('td', { class: 'n', 'data-label': t('st_failed') }, String(r.failed ?? 0)), h('td', { class: 'n', 'data-label': t('st_fines') }, num(r.fines)))))));
  return el;
}

function rateCell(v, col, label) {
  return h('td', { class: 'rate', 'data-col': col, 'data-value': dv(v), 'data-label': label },
    h('span', { class: 'mbar' }, h('i', { style: `width:${v == null ? 0 : Math.round(v * 100)}%`, class: v != null && v < 0.9 ? 'low' : '' })), pct(v));
}

function techCard(rows, p) {
  const el = h('section', { class: 'card wide', id: 'techs' }, h('div', { class: 'row between' }, h('h3', null, t('c_techs')),
    dlButtons('technicians', `/reports/technicians?${qs({ from: p.from, to: p.to, unit: p.unit })}`)));
  if (!rows.length) { el.append(h('p', { class: 'muted' }, t('c_no_data'))); return el; }
  // A table on a desk; on a phone every technician is a block of
  // label–value rows (supervisor.css: table.stack), so nothing scrolls sideways.
  el.append(h('table', { class: 'sup-t stack' },
    h('thead', null, h('tr', null, ['te_name', 'te_sheets', 'te_shoe', 'te_speed_rec', 'te_speed_ok', 'te_photos', 'te_flagged', 'te_sat'].map((k) => h('th', null, t(k))))),
    h('tbody', null, rows.map((r) => h('tr', { 'data-tech': r.technician, 'data-sheets': r.sheets },
      h('td', { class: 'who' }, r.name ? h('span', { class: 'name' }, r.name) : nameEl('person', r.technician)),
      h('td', { class: 'n', 'data-label': t('te_sheets') }, String(r.sheets)),
      rateCell(r.shoe_covers_rate, 'shoe_covers_rate', t('te_shoe')), rateCell(r.speed_test_recorded_rate, 'speed_test_recorded_rate', t('te_speed_rec')),
      rateCell(r.speed_test_passed_rate, 'speed_test_passed_rate', t('te_speed_ok')), rateCell(r.photo_evidence_complete_rate, 'photo_evidence_complete_rate', t('te_photos')),
      h('td', { class: 'n' + (r.flagged ? ' warn' : ''), 'data-col': 'flagged', 'data-value': r.flagged, 'data-label': t('te_flagged') }, String(r.flagged)),
      rateCell(r.satisfaction_rate, 'satisfaction_rate', t('te_sat')))))));
  return el;
}

// subjectLink opens what a record is about: the work order, or (a store
// walkthrough) the submission itself, named by its store.
const subjectLink = (subject, submissionID, storeName) => (subject?.workorder_id
  ? h('a', { href: '/wo/' + encodeURIComponent(subject.workorder_id), 'data-link': '', class: 'ono' }, subject.workorder_id)
  : subject?.store_id && submissionID
    ? h('a', { href: '/sub/' + encodeURIComponent(submissionID), 'data-link': '', class: 'ono store' }, storeName ? `${storeName}（${subject.store_id}）` : subject.store_id)
    : h('b', null, subject?.store_id || ''));

function flagEvidence(d) {
  switch (d.flag) {
    case 'photo_reused':
      return h('div', { class: 'reuse', 'data-photo': d.photo, 'data-matched': d.matched_photo },
        h('div', { class: 'pair' }, photo(d.photo, { caption: t('fl_this') }), photo(d.matched_photo || d.photo, { caption: t('fl_other') })),
        h('div', { class: 'small' }, d.distance ? t('fl_near', { d: d.distance }) : t('fl_same'), ' · ', otherRecord(d)));
    case 'clock_skew': return h('div', { class: 'small' }, t('fl_skew', { m: Math.round((d.skew_seconds || 0) / 60) }));
    case 'edited_after_signature': return h('div', { class: 'small' }, t('fl_edit_v', { v: d.version }));
    case 'finished_in_future': return h('div', { class: 'small' }, t('fl_ahead', { h: Math.round((d.ahead_seconds || 0) / 360) / 10 }));
    default: return null;
  }
}

function flagsCard(list, more, stores = {}) {
  const el = h('section', { class: 'card wide', id: 'flags' }, h('h3', null, t('c_flags'), ' ', h('span', { class: 'pill' }, String(list.length) + (more ? '+' : ''))));
  if (!list.length) { el.append(h('p', { class: 'muted' }, t('fl_none'))); return el; }
  const box = h('div', { class: 'flaglist' });
  for (const x of list) {
    const d = x.detail;
    box.append(h('article', { class: 'flagged', 'data-submission': x.id, 'data-flags': x.flags.join(' '), 'data-kind': x.kind, 'data-author': x.author },
      h('div', { class: 'row between' }, subjectLink(x.subject, x.id, stores[x.subject?.store_id]), h('span', { class: 'small muted' }, nameOf('person', x.author), ' · ', fmtTime(x.finished_at))),
      h('div', { class: 'row' }, x.flags.map((f) => h('span', { class: 'flag f-' + f, 'data-flag': f }, t('fl_' + f) === 'fl_' + f ? f : t('fl_' + f)))),
      d ? (d.flag_details || []).map((fd) => flagEvidence(fd)) : null));
  }
  const shown = Math.min(list.length, FLAG_DETAIL_MAX);
  if (list.length > shown) box.append(h('p', { class: 'small muted' }, t('fl_more', { n: list.length - shown })));
  el.append(box);
  return el;
}

function rectsCard(list, stores) {
  const el = h('section', { class: 'card', id: 'rects' }, h('div', { class: 'row between' },
    h('h3', null, t('c_rects'), ' ', h('span', { class: 'pill' }, String(list.length))),
    h('a', { class: 'btn small', href: '/rect', 'data-link': '', id: 'rects-all' }, t('rc_all'))));
  if (!list.length) { el.append(h('p', { class: 'muted' }, t('rc_none'))); return el; }
  const now = Date.now();
  const sorted = [...list].sort((a, b) => Date.parse(a.due_at || 0) - Date.parse(b.due_at || 0)); // most urgent first
  el.append(h('ul', { class: 'rects' }, sorted.map((r) => {
    const late = r.due_at && new Date(r.due_at).getTime() < now;
    return h('li', { 'data-rect': r.id, class: late ? 'late' : '' },
      h('a', { class: 'rectopen', href: '/rect/' + encodeURIComponent(r.id), 'data-link': '' },
        h('div', { class: 'row between' }, h('b', null, t('src_' + r.source)), h('span', { class: 'small' + (late ? ' err' : ' muted') }, late ? t('rc_overdue') + ' · ' : '', t('rc_due', { t: fmtTime(r.due_at) }))),
        h('div', null, r.reason),
        h('div', { class: 'small muted' }, r.workorder_id || stores[r.store_id] || '', r.technician ? ' · ' : '', r.technician ? nameOf('person', r.technician) : '')));
  })));
  return el;
}

function finesCard(rows, p) {
  const month = p.to.slice(0, 7);
  const el = h('section', { class: 'card', id: 'fines' }, h('div', { class: 'row between' }, h('h3', null, t('c_fines'), h('span', { class: 'muted small' }, ' · ' + month)),
    dlButtons('fines', `/reports/fines?${qs({ month, unit: p.unit })}`)));
  if (!rows.length) { el.append(h('p', { class: 'muted' }, t('c_no_data'))); return el; }
  el.append(h('table', { class: 'sup-t' }, h('thead', null, h('tr', null, ['fi_unit', 'fi_spot', 'fi_walk', 'fi_total'].map((k) => h('th', null, t(k))))),
    h('tbody', null, rows.map((r) => h('tr', { 'data-unit': r.unit, 'data-total': dv(r.total) },
      h('td', null, nameEl('unit', r.unit)), h('td', { class: 'n' }, num(r.spot_check_fines), r.capped ? h('span', { class: 'pill' }, t('fi_capped')) : null),
      h('td', { class: 'n' }, num(r.walkthrough_fines)), h('td', { class: 'n' }, h('b', null, num(r.total))))))));
  return el;
}

