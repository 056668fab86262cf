// The supervisor's dashboard: callback figures by day, week or month, store
// scores, technician compliance, flagged sheets, open rectifications and the
// month's fines. Reports are computed by the server, so this screen is
// online-only; the last figures loaded per group stay in IndexedDB (kv) and
// are shown, with their time, when there is no connection.
import { h, clear } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { api, currentSession, NetError } from './api.js';
import * as db from './db.js';
import { ui } from './roles.js';
import {
  rangeFor, periodLabel, pct, num, dv, barChart, lineChart, hbars, photo, dlButtons, today,
} from './sup-common.js';

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
  const main = ui.main;
  const root = h('div', { id: 'supdash', class: 'supdash sup' });
  main.append(root);
  await draw(root);
}

// fetchAll asks the server for every figure of the dashboard at once.
async function fetchAll(st) {
  const range = qs({ from: st.from, to: st.to, unit: st.unit });
  const get = (p) => api('GET', p);
  const [cb, insp, tech, fines, subs, rects] = await Promise.all([
    get(`/reports/callbacks?${range}&group=${st.group}`),
    get(`/reports/inspections?${range}`),
    get(`/reports/technicians?${range}`),
    get(`/reports/fines?${qs({ month: st.to.slice(0, 7), unit: st.unit })}`),
    get(`/submissions?${qs({ from: st.from, to: st.to, limit: 5000 })}`),
    get('/rectifications?status=open&limit=5000'),
  ]);
  const unitOK = (x) => !st.unit || x.unit === st.unit;
  const flagged = subs.items.filter((x) => (x.flags || []).length && unitOK(x)).reverse();
  const details = await Promise.all(flagged.slice(0, FLAG_DETAIL_MAX).map((x) =>
    get('/submissions/' + encodeURIComponent(x.id)).catch(() => null)));
  // The other sheet a reused photo stands on: its order, when the supervisor may read it.
  const others = {};
  const otherIds = new Set(details.flatMap((d) => (d?.flag_details || []).map((f) => f.submission_id).filter(Boolean)));
  await Promise.all([...otherIds].map((id) => get('/submissions/' + encodeURIComponent(id))
    .then((o) => { others[id] = { workorder_id: o.subject?.workorder_id || '', store_id: o.subject?.store_id || '' }; })
    .catch(() => { others[id] = null; })));
  return {
    callbacks: cb.items, inspections: insp.items, technicians: tech.items, fines: fines.items,
    flagged: flagged.map((x, i) => ({ ...x, detail: details[i] || null })), others,
    rects: rects.items.filter(unitOK), more_subs: !!subs.next,
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
  const status = h('div', { class: 'supstatus', role: 'status' }, t('sup_loading'));
  root.append(h('div', { class: 'row between suphead' }, h('h2', null, t('sup_title')),
    h('a', { class: 'btn small', href: '/wo', 'data-link': '' }, t('c_orders'))), controls(root, us), status);
  const key = 'sup.dash.' + st.group;
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
  root.dataset.live = String(live);
  const rows = snap.data.callbacks;
  if (!rows.some((r) => r.period === st.selected)) st.selected = rows.length ? rows[rows.length - 1].period : null;
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
    fillCharts(charts, satc, rows, period, select);
    fillReasons(reasons, row);
  };
  grid.append(kpis, charts, satc, reasons,
    storesCard(snap.data.inspections, p), techCard(snap.data.technicians, p),
    flagsCard(snap.data.flagged, snap.data.others, snap.data.more_subs), rectsCard(snap.data.rects), finesCard(snap.data.fines, p));
  select(st.selected);
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
      h('option', { value: '' }, t('sup_all_units')), unitList.map((u) => h('option', { value: u, selected: u === st.unit }, u))));
  return h('div', { class: 'supctl' }, seg, date('from'), date('to'), unitSel,
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
  el.append(h('div', { class: 'row between' }, h('h3', null, t('sup_period', { p: r.period }), h('span', { class: 'muted small' }, ` (${r.from} – ${r.to})`)),
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

function fillCharts(cbEl, satEl, rows, sel, onSelect) {
  const width = (el) => Math.round(el.clientWidth - 26) || 320; // inside the card's padding
  const pts = (f) => rows.map((r) => ({ key: r.period, label: periodLabel(r.period), value: r[f] }));
  clear(cbEl).append(h('h3', null, t('c_callbacks')),
    h('div', { class: 'legend small' }, h('span', { class: 'sw cov' }), t('k_coverage'), h('span', { class: 'sw sd' }), t('k_same_day')),
    barChart(pts('coverage'), { metric: 'coverage', selected: sel, onSelect, width: width(cbEl) }),
    barChart(pts('same_day_rate'), { metric: 'same_day_rate', selected: sel, onSelect, color: '#d08a12', width: width(cbEl) }),
    h('p', { class: 'small muted' }, t('tap_bar')));
  clear(satEl).append(h('h3', null, t('c_satisfaction')),
    lineChart(pts('satisfaction_rate'), { metric: 'satisfaction_rate', selected: sel, onSelect, width: width(satEl) }),
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
  el.append(h('table', { class: 'sup-t' }, h('thead', null, h('tr', null, ['st_store', 'st_inspections', 'st_score', 'st_grade', 'st_failed', 'st_fines'].map((k) => h('th', null, t(k))))),
    h('tbody', null, sorted.map((r) => h('tr', { 'data-store': r.store_id, 'data-score': dv(r.score), 'data-grade': r.grade || '', 'data-inspections': r.inspections },
      h('td', null, r.store_name || r.store_id, h('div', { class: 'small muted' }, r.store_id)), h('td', { class: 'n' }, String(r.inspections)),
      h('td', { class: 'n score' }, num(r.score)), h('td', null, r.grade ? h('span', { class: gradeCls(r.grade) }, t('grade_' + r.grade)) : '—'),
      h('td', { class: 'n' }, String(r.failed ?? 0)), h('td', { class: 'n' }, num(r.fines)))))));
  return el;
}

function rateCell(v, col) {
  return h('td', { class: 'rate', 'data-col': col, 'data-value': dv(v) },
    h('span', { class: 'mbar' }, h('i', { style: `width:${v == null ? 0 : Math.round(v * 100)}%`, class: v != null && v < 0.9 ? 'low' : '' })), pct(v));
}

function techCard(rows, p) {
  const el = h('section', { class: 'card wide', id: 'techs' }, h('div', { class: 'row between' }, h('h3', null, t('c_techs')),
    dlButtons('technicians', `/reports/technicians?${qs({ from: p.from, to: p.to, unit: p.unit })}`)));
  if (!rows.length) { el.append(h('p', { class: 'muted' }, t('c_no_data'))); return el; }
  el.append(h('div', { class: 'tscroll' }, h('table', { class: 'sup-t' },
    h('thead', null, h('tr', null, ['te_name', 'te_sheets', 'te_shoe', 'te_speed_rec', 'te_speed_ok', 'te_photos', 'te_flagged', 'te_sat'].map((k) => h('th', null, t(k))))),
    h('tbody', null, rows.map((r) => h('tr', { 'data-tech': r.technician, 'data-sheets': r.sheets },
      h('td', null, r.name || r.technician, h('div', { class: 'small muted' }, r.technician)), h('td', { class: 'n' }, String(r.sheets)),
      rateCell(r.shoe_covers_rate, 'shoe_covers_rate'), rateCell(r.speed_test_recorded_rate, 'speed_test_recorded_rate'),
      rateCell(r.speed_test_passed_rate, 'speed_test_passed_rate'), rateCell(r.photo_evidence_complete_rate, 'photo_evidence_complete_rate'),
      h('td', { class: 'n' + (r.flagged ? ' warn' : ''), 'data-col': 'flagged', 'data-value': r.flagged }, String(r.flagged)),
      rateCell(r.satisfaction_rate, 'satisfaction_rate')))))));
  return el;
}

const subjectLink = (subject) => (subject?.workorder_id
  ? h('a', { href: '/wo/' + encodeURIComponent(subject.workorder_id), 'data-link': '', class: 'ono' }, subject.workorder_id)
  : h('b', null, subject?.store_id || ''));

function flagEvidence(d, others) {
  switch (d.flag) {
    case 'photo_reused': {
      const o = others[d.submission_id];
      return h('div', { class: 'reuse', 'data-photo': d.photo, 'data-matched': d.matched_photo },
        h('div', { class: 'pair' }, photo(d.photo, { caption: t('fl_this') }), photo(d.matched_photo || d.photo, { caption: t('fl_other') })),
        h('div', { class: 'small' }, d.distance ? t('fl_near', { d: d.distance }) : t('fl_same'), ' · ',
          o ? subjectLink(o) : o === null ? t('fl_no_access') : '', ' ', h('span', { class: 'muted' }, t('fl_other_sub', { id: d.submission_id || '' }))));
    }
    case 'clock_skew': return h('div', { class: 'small' }, t('fl_skew', { m: Math.round((d.skew_seconds || 0) / 60) }));
    case 'edited_after_signature': return h('div', { class: 'small' }, t('fl_edit_v', { v: d.version }));
    case 'finished_in_future': return h('div', { class: 'small' }, t('fl_ahead', { h: Math.round((d.ahead_seconds || 0) / 360) / 10 }));
    default: return null;
  }
}

function flagsCard(list, others, more) {
  const el = h('section', { class: 'card wide', id: 'flags' }, h('h3', null, t('c_flags'), ' ', h('span', { class: 'pill' }, String(list.length) + (more ? '+' : ''))));
  if (!list.length) { el.append(h('p', { class: 'muted' }, t('fl_none'))); return el; }
  const box = h('div', { class: 'flaglist' });
  for (const x of list) {
    const d = x.detail;
    box.append(h('article', { class: 'flagged', 'data-submission': x.id, 'data-flags': x.flags.join(' ') },
      h('div', { class: 'row between' }, subjectLink(x.subject), h('span', { class: 'small muted' }, x.author, ' · ', fmtTime(x.finished_at))),
      h('div', { class: 'row' }, x.flags.map((f) => h('span', { class: 'flag f-' + f, 'data-flag': f }, t('fl_' + f) === 'fl_' + f ? f : t('fl_' + f)))),
      d ? (d.flag_details || []).map((fd) => flagEvidence(fd, others)) : null));
  }
  const shown = Math.min(list.length, FLAG_DETAIL_MAX);
  if (list.length > shown) box.append(h('p', { class: 'small muted' }, t('fl_more', { n: list.length - shown })));
  el.append(box);
  return el;
}

function rectsCard(list) {
  const el = h('section', { class: 'card', id: 'rects' }, h('h3', null, t('c_rects'), ' ', h('span', { class: 'pill' }, String(list.length))));
  if (!list.length) { el.append(h('p', { class: 'muted' }, t('rc_none'))); return el; }
  const now = Date.now();
  const sorted = [...list].sort((a, b) => (a.due_at || '').localeCompare(b.due_at || '')); // most urgent first
  el.append(h('ul', { class: 'rects' }, sorted.map((r) => {
    const late = r.due_at && new Date(r.due_at).getTime() < now;
    return h('li', { 'data-rect': r.id, class: late ? 'late' : '' },
      h('div', { class: 'row between' }, h('b', null, t('src_' + r.source)), h('span', { class: 'small' + (late ? ' err' : ' muted') }, late ? t('rc_overdue') + ' · ' : '', t('rc_due', { t: fmtTime(r.due_at) }))),
      h('div', null, r.reason),
      h('div', { class: 'small muted' }, r.workorder_id ? subjectLink({ workorder_id: r.workorder_id }) : r.store_id || '', r.technician ? ' · ' + r.technician : '', ' · ', r.id));
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
      h('td', null, r.unit), h('td', { class: 'n' }, num(r.spot_check_fines), r.capped ? h('span', { class: 'pill' }, t('fi_capped')) : null),
      h('td', { class: 'n' }, num(r.walkthrough_fines)), h('td', { class: 'n' }, h('b', null, num(r.total))))))));
  return el;
}

