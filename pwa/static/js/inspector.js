// The inspector's screens (稽查员 / 巡检员, registered with roles.js): their
// stores with the last grade, store walkthroughs and home-visit spot checks
// walked offline with a live tally (score.js, the server's scorer), sent
// through the same outbox as the technician's sheets, and each store's past
// inspections with a trend, readable offline from what was last fetched.
import { register } from './roles.js';
import { main, navigate, render, setLeaving, setEditing } from './nav.js';
import { stateLabel, submitSheet } from './sheet-ui.js';
import { h, svg } from './dom.js';
import { shDay, dayPlus, at, byTime } from './shtime.js';
import { t, tx, addStrings, fmtTime } from './i18n.js';
import { onScreen } from './bus.js';
import { nameEl } from './names.js';
import * as db from './db.js';
import * as sync from './sync.js';
import { hiddenItems } from './conds.js';
import { api, isOnline, openReport } from './api.js';
import { items } from './rules.js';
import { renderChecklist } from './checklist.js';
import { score, gradeLabel } from './score.js';
import { ops as auditOps } from './audit-outbox.js'; // an audit's verdicts and photos ride the sync rounds from any screen
// The enterprise audit's screens load on first use (not on the first load).
const auditsJS = () => import('../console/audits.js');

addStrings({
  insp_stores: '我的网点', insp_no_stores: '本机还没有网点，请联网同步一次', insp_start: '开始巡检', insp_continue: '继续巡检',
  insp_history: '历史记录', insp_last: '上次', insp_never: '尚无巡检记录', insp_spotchecks: '入户抽查',
  insp_spot_pick: '选择要抽查的工单', insp_spot_start: '抽查此单', insp_spot_continue: '继续抽查', insp_spot_open: '抽查工单',
  insp_no_orders: '本机没有本单位的工单，请联网同步一次', insp_technician: '装维人员', insp_unsent: '未发送的检查',
  insp_score: '得分', insp_percent: '得分率', insp_grade: '评级', insp_fines: '罚款', insp_yuan: '{n} 元',
  insp_deductions: '扣分 {n} 项', insp_no_deductions: '暂无扣分', insp_critical: '关键项不合格，本次检查不通过',
  insp_excluded: '不适用', insp_photo_hint: '请拍摄问题照片', insp_submit: '提交检查', insp_no_template: '本机没有该检查表模板，请联网同步一次',
  insp_past: '历史巡检', insp_trend: '得分率趋势', insp_fetched: '更新于 {t}', insp_cached: '离线：显示 {t} 获取的记录',
  insp_never_fetched: '尚未从服务器获取历史记录', insp_local: '本机', insp_completed: '已完成', insp_open: '未完成',
  insp_walkthrough: '网点巡检', insp_unit: '单位', insp_checked: '已查', insp_progress: '{a}/{n} 项',
  insp_due: '应检任务', insp_none_due: '目前没有应检任务', insp_due_by: '{d} 前完成', insp_missed: '已漏检', insp_pdf: '汇总表 PDF',
  insp_audits: '政企服务稽查', insp_audits_open: '我的稽查', insp_mystery: '暗访', insp_mystery_tag: '暗访',
  insp_mystery_help: '以普通客户身份观察并记录。提交前记录只在本机，被访网点看不到谁、何时来访。', insp_mystery_start: '开始暗访',
  insp_mystery_store: '选择网点（热线暗访选热线所属网点）',
}, {
  insp_stores: 'My stores', insp_no_stores: 'No stores on this phone yet; sync once online', insp_start: 'Start walkthrough', insp_continue: 'Continue walkthrough',
  insp_history: 'History', insp_last: 'Last', insp_never: 'Not inspected yet', insp_spotchecks: 'Home-visit spot checks',
  insp_spot_pick: 'Pick an order to spot-check', insp_spot_start: 'Spot-check', insp_spot_continue: 'Continue spot check', insp_spot_open: 'Spot-check an order',
  insp_no_orders: "No orders of your unit on this phone; sync once online", insp_technician: 'Technician', insp_unsent: 'Unsent inspections',
  insp_score: 'Score', insp_percent: 'Percent', insp_grade: 'Grade', insp_fines: 'Fines', insp_yuan: '¥{n}',
  insp_deductions: '{n} deductions', insp_no_deductions: 'No deductions yet', insp_critical: 'A critical item failed: this inspection does not pass',
  insp_excluded: 'n/a', insp_photo_hint: 'Take a photo of the finding', insp_submit: 'Submit inspection', insp_no_template: 'This checklist is not on the phone; sync once online',
  insp_past: 'Past inspections', insp_trend: 'Percent over time', insp_fetched: 'Updated {t}', insp_cached: 'Offline: showing what was fetched {t}',
  insp_never_fetched: 'History not fetched from the server yet', insp_local: 'this phone', insp_completed: 'Completed', insp_open: 'Open',
  insp_walkthrough: 'Store walkthrough', insp_unit: 'Unit', insp_checked: 'Checked', insp_progress: '{a} of {n}',
  insp_due: 'Planned inspections', insp_none_due: 'No planned inspections due', insp_due_by: 'Due {d}', insp_missed: 'Missed', insp_pdf: 'Summary PDF',
  insp_audits: 'Enterprise service audits', insp_audits_open: 'My audits', insp_mystery: 'Mystery visits', insp_mystery_tag: 'Mystery visit',
  insp_mystery_help: 'Observe and record as an ordinary customer. Until sent the record is only on this phone: the store cannot see who visited or when.', insp_mystery_start: 'Start mystery visit',
  insp_mystery_store: "Pick the store (for a hotline call, the hotline's own outlet)",
});

const WALK = 'store_walkthrough', SPOT = 'home_visit_spotcheck';
const HIST = 'insp.hist:'; // kv key prefix: a store's history as last fetched, {at, items}
const STALE_MS = 60000; // history is fetched again at most once a minute
const enc = encodeURIComponent;
const shown = (s) => (s.state === 'sent' && (s.missing || []).length ? 'incomplete' : s.state);
const isOpen = (s) => ['draft', 'rejected', 'conflict'].includes(s.state);
const newest = (a, b) => (at(a.updated_at) < at(b.updated_at) ? b : a);

// latestTemplate: the newest version of template id, or else of any template of kind.
async function latestTemplate(id, kind) {
  const all = await db.all('templates');
  const latest = (list) => list.reduce((a, b) => (!a || a.version < b.version ? b : a), null);
  return latest(all.filter((x) => x.id === id)) || latest(all.filter((x) => x.kind === kind));
}

const templates = async () => new Map((await db.all('templates')).map((x) => [x.key, x]));
const tplOf = (tpls, s) => tpls.get(s.template_id + '@' + s.template_version);

// mySheets: this phone's inspection sheets (walkthroughs and spot checks)
// with their templates, and the template map for server entries.
async function mySheets() {
  const tpls = await templates();
  const list = (await db.all('sheets')).map((s) => ({ sheet: s, tpl: tplOf(tpls, s) }))
    .filter(({ sheet, tpl }) => sheet.subject?.store_id || tpl?.kind === 'spotcheck');
  list.tpls = tpls;
  return list;
}

// A new walk is drawn but not kept: it becomes a draft (and counts in the
// outbox) once something is entered, as the technician's sheet does (issue
// 14). Until then it lives only here, so 开始巡检 then 返回 leaves nothing.
const unsaved = new Map();
async function newSheet(tpl, subject, extra) {
  const sheet = {
    id: db.uuid(), template_id: tpl.id, template_version: tpl.version, subject, base_version: 0,
    started_at: new Date().toISOString(), answers: {}, photos: {}, photo_meta: {}, state: 'draft', kind: tpl.kind, ...extra,
  };
  unsaved.clear();
  unsaved.set(sheet.id, sheet);
  navigate('/insp/walk/' + enc(sheet.id));
}
async function keep(sheet) {
  unsaved.delete(sheet.id);
  await sync.saveSheet(sheet);
}

// redrawOn re-renders the current view once when a sheet changes or a sync
// round ends, if the person is still looking at it.
function redrawOn(view) {
  const again = () => { off(); off2(); if (document.body.dataset.view === view) render(); };
  const off = onScreen('sheet', again);
  const off2 = onScreen('sync', (s) => { if (s.state === 'done' && s.changed !== false) again(); });
}

const fmtN = (n) => String(Math.round(n * 100) / 100);
const yuan = (n) => t('insp_yuan', { n: fmtN(n) });
const gradeText = (tpl, id) => (id ? tx(gradeLabel(tpl, id)) || id : '—');
const pct = (p) => (p == null ? '—' : fmtN(p) + '%');

// ---------- history: GET /submissions, cached in kv ----------

async function pages(path, max = 10) {
  const out = [];
  let after = '';
  for (let i = 0; i < max; i++) {
    const r = await api('GET', path + (after ? '&after=' + enc(after) : ''));
    out.push(...(r.items || []));
    if (!r.next || !(r.items || []).length) return { items: out, full: true };
    after = r.next;
  }
  return { items: out, full: false };
}

const cached = (storeId) => db.kvGet(HIST + storeId);

// refreshStore fetches one store's inspections (the server lists an
// inspector's own) and keeps them for offline reading.
async function refreshStore(storeId) {
  const { items: list } = await pages('/submissions?limit=500&store_id=' + enc(storeId));
  const v = { at: new Date().toISOString(), items: list };
  await db.kvSet(HIST + storeId, v);
  return v;
}

// refreshAll fetches the inspector's own list once and files it by store.
async function refreshAll(stores) {
  const from = dayPlus(-366);
  const { items: list, full } = await pages('/submissions?limit=1000&from=' + from);
  const at = new Date().toISOString();
  const by = new Map();
  for (const s of list) if (s.subject?.store_id) (by.get(s.subject.store_id) || by.set(s.subject.store_id, []).get(s.subject.store_id)).push(s);
  let changed = false;
  for (const st of stores) {
    if (!by.has(st.id) && !full) continue;
    const items = by.get(st.id) || [];
    changed ||= JSON.stringify((await cached(st.id))?.items || []) !== JSON.stringify(items);
    await db.kvSet(HIST + st.id, { at, items });
  }
  await db.kvSet(HIST + '*', at);
  return changed; // whether any store's history differs from what was shown
}

// entries merges what the server listed with this phone's own sheets for a
// store, newest first; unsent sheets carry the phone's tally.
async function entries(storeId, hist, sheets) {
  const out = new Map();
  for (const s of hist?.items || []) out.set(s.id, { id: s.id, at: s.finished_at, ...pick(s), tpl: tplOf(sheets.tpls, s), srv: 1 });
  for (const { sheet, tpl } of sheets) {
    if (sheet.subject?.store_id !== storeId || sheet.state === 'draft') continue;
    const e = out.get(sheet.id);
    if (e) { e.sheet = sheet; e.tpl = tpl; continue; }
    const r = score(tpl, sheet.answers, { facts: sheet.order_facts, photos: sheet.photos });
    out.set(sheet.id, { id: sheet.id, at: sheet.finished_at || sheet.updated_at, ...pick(r), sheet, tpl });
  }
  // Times come with different offsets (the phone's Z, the server's +08:00): compare instants.
  return [...out.values()].sort(byTime((e) => e.at, -1));
}
const pick = (r) => ({ score: r.score, max_score: r.max_score, percent: r.percent, grade: r.grade, fines: r.fines });

// ---------- 巡检计划: due and missed windows from the last pull; one finished on this phone in its window drops off ----------

async function dueCards(byId, sheets) {
  const list = ((await db.kvGet('due')) || []).filter((w) => !sheets.some(({ sheet: s }) => s.state !== 'draft' && s.template_id === w.template_id
    && (!w.subject.store_id || s.subject?.store_id === w.subject.store_id) && shDay(s.finished_at || s.updated_at) >= w.start && shDay(s.finished_at || s.updated_at) <= w.due));
  if (!list.length) return [h('h2', null, t('insp_due')), h('p', { class: 'muted', id: 'due-none' }, t('insp_none_due'))];
  return [h('h2', null, t('insp_due')), h('div', { class: 'cards', id: 'due' }, list.map((w) => {
    const st = byId.get(w.subject.store_id), missed = w.status === 'missed';
    return h('article', { class: 'card due', 'data-status': w.status },
      h('div', { class: 'row between' }, h('b', null, st?.name || nameEl('unit', w.unit)), h('span', { class: missed ? 'pill bad' : 'pill' }, missed ? t('insp_missed') : t('insp_due_by', { d: w.due.slice(5) }))),
      missed ? null : st ? h('button', { class: 'btn primary', onclick: async () => newSheet(await latestTemplate(w.template_id, 'walkthrough'), { store_id: st.id }, { store: st }) }, t('insp_start'))
        : h('a', { class: 'btn', href: '/insp/spotcheck', 'data-link': '' }, t('insp_spot_open')));
  }))];
}

// ---------- home ----------

async function inspectorHome() {
  // Listen before reading: a sync round that ends while the home is being
  // drawn (the first one after sign-in brings the stores) redraws it.
  redrawOn('inspectorHome');
  const stores = (await db.all('stores')).sort((a, b) => a.id.localeCompare(b.id));
  const sheets = await mySheets();
  const walkTpl = await latestTemplate(WALK, 'walkthrough');
  main.append(...await dueCards(new Map(stores.map((x) => [x.id, x])), sheets), h('h2', null, t('insp_stores')));
  if (!stores.length) main.append(h('p', { class: 'muted' }, t('insp_no_stores')));
  const cards = h('div', { class: 'cards' });
  for (const st of stores) {
    const open = sheets.filter(({ sheet }) => sheet.subject?.store_id === st.id);
    const draft = open.map((x) => x.sheet).filter(isOpen).reduce((a, b) => (a ? newest(a, b) : b), null);
    const latestSheet = open.map((x) => x.sheet).reduce((a, b) => (a ? newest(a, b) : b), null);
    const last = (await entries(st.id, await cached(st.id), sheets))[0];
    cards.append(h('article', { class: 'card store', 'data-store': st.id },
      h('div', { class: 'row between' }, h('b', { class: 'sname' }, st.name), latestSheet ? stateLabel(latestSheet) : null),
      st.unit ? h('div', { class: 'muted small' }, nameEl('unit', st.unit)) : null,
      st.address ? h('div', { class: 'addr' }, st.address) : null,
      last ? h('div', { class: 'last', 'data-grade': last.grade || '', 'data-percent': last.percent ?? '' },
        t('insp_last') + ' ' + fmtTime(last.at) + ' · ', h('b', null, pct(last.percent)), ' · ',
        h('span', { class: 'ig ig-' + (last.grade || 'none') }, gradeText(last.tpl || walkTpl, last.grade)), ' · ' + yuan(last.fines))
        : h('div', { class: 'last muted' }, t('insp_never')),
      h('div', { class: 'row' },
        draft ? h('a', { class: 'btn primary', href: '/insp/walk/' + enc(draft.id), 'data-link': '' }, t('insp_continue'))
          : h('button', { class: 'btn primary start', disabled: !walkTpl, onclick: () => newSheet(walkTpl, { store_id: st.id }, { store: st }) }, t('insp_start')),
        h('a', { class: 'btn', href: '/insp/store/' + enc(st.id), 'data-link': '' }, t('insp_history')))));
  }
  main.append(cards);
  if (!walkTpl && stores.length) main.append(h('p', { class: 'warnbox' }, t('insp_no_template')));

  main.append(h('h2', null, t('insp_spotchecks')),
    h('a', { class: 'btn big', href: '/insp/spotcheck', 'data-link': '', id: 'spotcheck' }, t('insp_spot_open')));
  main.append(...await mysterySection(stores));
  const waiting = (await auditOps()).length;
  main.append(h('h2', null, t('insp_audits')), h('a', { class: 'btn big', href: '/audits', 'data-link': '', id: 'audits' }, t('insp_audits_open'),
    waiting ? h('span', { class: 'pill', 'data-waiting': String(waiting) }, ' ' + t('st_queued') + ' ' + waiting) : null));
  // Fetched once online, the service worker keeps it: the audit opens offline.
  if (isOnline()) setTimeout(() => auditsJS().catch(() => {}), 2000);
  const unsent = sheets.filter(({ sheet }) => sync.hasUnsaved(sheet))
    .sort(byTime((x) => x.sheet.updated_at, -1));
  if (unsent.length) {
    const names = new Map(stores.map((s) => [s.id, s.name]));
    main.append(h('h2', null, t('insp_unsent')), h('div', { class: 'cards' }, unsent.map(({ sheet: s, tpl }) => h('a', { class: 'card row between sheetlink', href: '/insp/walk/' + enc(s.id), 'data-link': '', 'data-sheet': s.id },
      h('span', null, s.subject.store_id ? names.get(s.subject.store_id) || s.subject.store_id : s.subject.workorder_id, tpl?.mystery ? ' ' : null, tpl?.mystery ? h('span', { class: 'pill' }, t('insp_mystery_tag')) : null), stateLabel(s)))));
  }
  // The history is fetched again when stale and the server answers (now,
  // or once it is known to answer); the home is redrawn only if it changed.
  const refresh = async () => {
    const at = await db.kvGet(HIST + '*');
    if (!at || Date.now() - Date.parse(at) > STALE_MS) {
      refreshAll(stores).then((changed) => { if (changed && document.body.dataset.view === 'inspectorHome') render(); }, () => { /* offline or refused: the cache stays */ });
    }
  };
  if (stores.length) {
    if (isOnline()) await refresh();
    else { const off = onScreen('online', (ok) => { if (ok) { off(); refresh(); } }); }
  }
}

// ---------- 暗访: a walkthrough with a mystery template, at a store or on the hotline's outlet ----------

async function mysterySection(stores) {
  const all = await db.all('templates');
  const latest = new Map();
  for (const x of all) if (x.mystery && x.kind === 'walkthrough' && (!latest.has(x.id) || latest.get(x.id).version < x.version)) latest.set(x.id, x);
  if (!latest.size || !stores.length) return [];
  return [h('h2', null, t('insp_mystery')), h('p', { class: 'muted small' }, t('insp_mystery_help')),
    h('div', { class: 'cards', id: 'mystery' }, [...latest.values()].sort((a, b) => b.id.localeCompare(a.id)).map((tpl) => {
      const pick = h('select', { 'aria-label': t('insp_mystery_store'), 'data-template': tpl.id }, stores.map((st) => h('option', { value: st.id }, st.name)));
      return h('article', { class: 'card mystery', 'data-template': tpl.id }, h('b', null, tx(tpl.title)),
        h('label', { class: 'small muted' }, t('insp_mystery_store'), pick),
        h('button', { class: 'btn primary', onclick: () => { const st = stores.find((x) => x.id === pick.value); newSheet(tpl, { store_id: st.id }, { store: st }); } }, t('insp_mystery_start')));
    }))];
}

// ---------- spot checks: pick a technician's order ----------

async function inspSpotcheck() {
  const orders = (await db.all('orders')).sort(byTime((o) => o.appointment?.from));
  const sheets = await mySheets();
  const tpl = await latestTemplate(SPOT, 'spotcheck');
  main.append(h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, '← ' + t('back'))),
    h('h2', null, t('insp_spot_pick')));
  if (!tpl) main.append(h('p', { class: 'warnbox' }, t('insp_no_template')));
  if (!orders.length) main.append(h('p', { class: 'muted' }, t('insp_no_orders')));
  main.append(h('div', { class: 'cards' }, orders.map((o) => {
    const mine = sheets.map((x) => x.sheet).filter((s) => s.subject?.workorder_id === o.id).reduce((a, b) => (a ? newest(a, b) : b), null);
    const c = o.customer || {};
    return h('article', { class: 'card spot', 'data-order': o.id },
      h('div', { class: 'row between' }, h('b', null, o.id), h('span', { class: 'pill' }, t('type_' + o.type)),
        h('span', { class: 'pill' }, o.status === 'completed' ? t('insp_completed') : t('insp_open')), mine ? stateLabel(mine) : null),
      h('div', null, t('insp_technician') + ': ', o.technician ? nameEl('person', o.technician) : '—'),
      h('div', { class: 'cust' }, c.name || ''), c.address ? h('div', { class: 'addr' }, c.address) : null,
      o.appointment?.from ? h('div', { class: 'meta' }, t('appointment') + ' ' + fmtTime(o.appointment.from)) : null,
      mine && isOpen(mine) ? h('a', { class: 'btn primary', href: '/insp/walk/' + enc(mine.id), 'data-link': '' }, t('insp_spot_continue'))
        : h('button', { class: 'btn primary', disabled: !tpl, onclick: () => newSheet(tpl, { workorder_id: o.id }, { order: o }) }, t('insp_spot_start')));
  })));
}

// ---------- the walk ----------

function subjectCard(sheet, store, order) {
  if (sheet.subject.store_id) {
    const s = store || { id: sheet.subject.store_id };
    return h('div', { class: 'card subject' }, h('b', { class: 'sname' }, s.name || s.id), s.address ? h('div', { class: 'addr' }, s.address) : null);
  }
  const o = order || { id: sheet.subject.workorder_id, customer: {} };
  return h('div', { class: 'card subject' }, h('b', null, o.id), o.type ? ' ' : null, o.type ? h('span', { class: 'pill' }, t('type_' + o.type)) : null,
    h('div', null, t('insp_technician') + ': ', o.technician ? nameEl('person', o.technician) : '—'), h('div', { class: 'cust' }, o.customer?.name || ''),
    o.customer?.address ? h('div', { class: 'addr' }, o.customer.address) : null);
}

// tallyView draws the live tally: [element, update(result)].
function tallyView(tpl) {
  const el = h('section', { class: 'tally', id: 'tally', 'aria-live': 'polite' });
  const cell = (label, cls) => { const b = h('b', { class: cls }); return [h('div', null, h('small', null, label), b), b]; };
  const [c1, bScore] = cell(t('insp_score'), 't-score');
  const [c2, bPct] = cell(t('insp_percent'), 't-pct');
  const [c3, bGrade] = cell(t('insp_grade'), 't-grade');
  const gLabel = c3.querySelector('small');
  const [c4, bFines] = cell(t('insp_fines'), 't-fines');
  const sum = h('summary', null);
  const list = h('ul', { class: 't-list' });
  const crit = h('div', { class: 't-crit', role: 'alert' });
  el.append(h('div', { class: 't-main' }, c1, c2, c3, c4), crit, h('details', { class: 't-ded' }, sum, list));
  return [el, (r, prog) => {
    // While scored items are still open the figures are a running score
    // over what was checked so far: no grade yet, no alarm colours (one
    // early deduction would otherwise read "0% · 不合格"). A failed critical
    // item is final and still says so.
    const partial = prog && prog.answered < prog.total;
    Object.assign(el.dataset, { score: r.score, max: r.max_score, percent: r.percent ?? '', grade: r.grade ?? '', fines: r.fines, passed: r.passed,
      partial: String(!!partial), answered: prog?.answered ?? '', total: prog?.total ?? '' });
    el.className = 'tally ' + (partial ? 'partial' : 'tg-' + (r.grade || 'none')) + (r.passed ? '' : ' failed');
    bScore.textContent = fmtN(r.score) + ' / ' + fmtN(r.max_score);
    bPct.textContent = pct(r.percent);
    gLabel.textContent = partial ? t('insp_checked') : t('insp_grade');
    bGrade.textContent = partial ? t('insp_progress', { a: prog.answered, n: prog.total }) : gradeText(tpl, r.grade);
    bFines.textContent = yuan(r.fines);
    crit.textContent = r.passed ? '' : t('insp_critical');
    const found = r.deductions.filter((d) => d.points > 0);
    sum.textContent = found.length ? t('insp_deductions', { n: found.length }) : t('insp_no_deductions');
    list.replaceChildren(...found.map((d) => h('li', { 'data-item': d.item_id },
      h('span', null, tx(d.label)), h('b', null, '−' + fmtN(d.points) + (d.count != null ? ' (' + t('count_n', { n: d.count }) + ')' : '') + ' · ' + yuan(d.fine)))));
  }];
}

// progress: how many of the template's scored items are answered.
function progress(tpl, sheet) {
  const hidden = hiddenItems(tpl, sheet, sheet.order_facts);
  const scored = items(tpl).filter((it) => it.score && !hidden.has(it.id));
  return { answered: scored.filter((it) => sheet.answers?.[it.id] != null).length, total: scored.length };
}

// findingPhotos marks the photo item that evidences each deduction
// ("photo_<item>", else the checklist's first photo item) until it has one.
function findingPhotos(root, tpl, sheet, r) {
  const photoItems = items(tpl).filter((it) => it.type === 'photo').map((it) => it.id);
  const want = new Set();
  for (const d of r.deductions) {
    if (!(d.points > 0)) continue;
    const id = photoItems.includes('photo_' + d.item_id) ? 'photo_' + d.item_id : photoItems[0];
    if (id && !(sheet.photos?.[id] || []).length) want.add(id);
  }
  for (const id of photoItems) {
    const card = root.querySelector(`.item[data-item="${CSS.escape(id)}"]`);
    if (!card) continue;
    card.classList.toggle('want', want.has(id));
    card.dataset.hint = t('insp_photo_hint');
  }
}

async function inspWalk(id) {
  const sheet = (await db.get('sheets', id)) || unsaved.get(id);
  if (!sheet) { main.append(h('p', null, t('not_found'))); return; }
  const tpl = await sync.templateFor(sheet);
  const store = sheet.subject.store_id ? (await db.get('stores', sheet.subject.store_id)) || sheet.store : null;
  const order = sheet.subject.workorder_id ? (await db.get('orders', sheet.subject.workorder_id)) || sheet.order : null;
  const editable = ['draft', 'rejected'].includes(sheet.state);
  setEditing(editable);
  main.append(h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, '← ' + t('back')), stateLabel(sheet)),
    subjectCard(sheet, store, order));
  if (!tpl) { main.append(h('p', { class: 'warnbox' }, t('insp_no_template'))); return; }
  main.append(h('h2', null, tx(tpl.title)));
  if (tpl.mystery) main.append(h('p', { class: 'warnbox', id: 'mystery-note' }, h('b', null, t('insp_mystery_tag') + '：'), t('insp_mystery_help')));
  if (sheet.state === 'rejected' && sheet.rejection) {
    const f = sheet.rejection.fields || {};
    main.append(h('div', { class: 'warnbox', id: 'rejection' }, h('b', null, t('server_reasons') + ': '), sheet.rejection.message || sheet.rejection.code,
      h('ul', null, Object.entries(f).map(([k, v]) => h('li', null, k + ': ' + v)))));
  }
  if (sheet.state === 'conflict') {
    const c = sheet.server_copy;
    main.append(h('div', { class: 'warnbox', id: 'conflict' }, h('p', null, h('b', null, t('st_conflict') + ': '), sheet.conflict?.message || ''),
      h('p', null, t('conflict_help')), c ? h('button', { class: 'btn primary', onclick: async () => {
        sheet.base_version = c.version; sheet.state = 'queued';
        delete sheet.conflict; delete sheet.server_copy;
        await sync.saveSheet(sheet); sync.syncNow('rebase'); render();
      } }, t('rebase')) : null));
  }
  if (sheet.state === 'sent' && sheet.last_result?.version) {
    main.append(h('p', { class: 'okbox' }, t('st_sent') + ' · ' + t('version') + ' ' + sheet.last_result.version + (sheet.sent_at ? ' · ' + t('sent_at', { t: fmtTime(sheet.sent_at) }) : '')));
  }

  // The tally follows the checklist and sticks to the bottom of the screen
  // while the checklist scrolls under it.
  const holder = h('div', { class: 'checklist' });
  const [tallyEl, update] = tallyView(tpl);
  const ctx = { subscribedMbps: order?.subscribed_mbps || 0 };
  // A sheet that can no longer change (sent, queued) asks for no photos:
  // there would be no button to take them.
  const tally = () => { const r = score(tpl, sheet.answers, { ...ctx, facts: sheet.order_facts, photos: sheet.photos }); update(r, progress(tpl, sheet)); if (editable) findingPhotos(holder, tpl, sheet, r); };
  main.append(holder, tallyEl);
  let timer = null;
  const flush = async () => { if (timer) { clearTimeout(timer); timer = null; await keep(sheet); } };
  setLeaving(flush);
  const view = renderChecklist(holder, {
    template: tpl, sheet, order, store, readOnly: !editable,
    serverFields: sheet.state === 'rejected' ? sheet.rejection?.fields : null,
    onChange: () => { tally(); clearTimeout(timer); timer = setTimeout(() => { timer = null; keep(sheet); }, 250); },
  });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); }, { once: true });

  const actions = h('div', { class: 'actions' });
  if (editable) {
    actions.append(h('button', { class: 'btn primary big', id: 'submit', onclick: async () => {
      if (await submitSheet(sheet, tpl, view, holder, () => { clearTimeout(timer); timer = null; })) render();
    } }, sheet.state === 'rejected' ? t('resend') : t('insp_submit')));
  } else if (sheet.state === 'sent' || sheet.state === 'queued') {
    actions.append(h('button', { class: 'btn', onclick: async () => { sheet.state = 'draft'; await sync.saveSheet(sheet); render(); } }, t('edit')));
  }
  if (sheet.subject.store_id) actions.append(h('a', { class: 'btn', href: '/insp/store/' + enc(sheet.subject.store_id), 'data-link': '' }, t('insp_history')));
  if (sheet.state !== 'sent') {
    actions.append(h('button', { class: 'btn danger', onclick: async () => {
      if (unsaved.has(sheet.id)) { unsaved.delete(sheet.id); navigate('/', true); return; }
      if (!confirm(t('discard_confirm'))) return;
      await db.del('sheets', sheet.id);
      await sync.refreshCounter();
      navigate('/', true);
    } }, t('discard')));
  }
  main.append(actions);
  tally();
  if (!editable) {
    // A sheet in the outbox changes under our eyes (sent, rejected, conflict).
    const off = onScreen('sheet', (s) => {
      if (location.pathname !== '/insp/walk/' + enc(id)) { off(); return; }
      if (s.id === id && shown(s) !== shown(sheet)) { off(); render(); }
    });
  }
}

// ---------- a store's history ----------

// sparkline: percent (0–100) over time, oldest left, with the fail line at 75
// and the excellent line at 90 (seed 001's bands).
export function sparkline(points) {
  const W = 300, H = 64, P = 4;
  const xs = (i) => (points.length === 1 ? W / 2 : P + (i * (W - 2 * P)) / (points.length - 1));
  const ys = (p) => P + ((100 - p) * (H - 2 * P)) / 100;
  const line = points.map((p, i) => fmtN(xs(i)) + ',' + fmtN(ys(p))).join(' ');
  const last = points.length - 1;
  return svg('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': t('insp_trend') + ': ' + points.map(fmtN).join(', '), 'data-points': points.join(',') },
  svg('line', { x1: 0, x2: W, y1: ys(90), y2: ys(90), class: 'band-ex' }),
  svg('line', { x1: 0, x2: W, y1: ys(75), y2: ys(75), class: 'band-fail' }),
  points.length > 1 ? svg('polyline', { points: line, fill: 'none' }) : '',
  svg('circle', { cx: fmtN(xs(last)), cy: fmtN(ys(points[last])), r: 4 }));
}

async function inspStore(storeId) {
  redrawOn('inspStore'); // before reading, as on the home
  const st = (await db.get('stores', storeId)) || { id: storeId, name: storeId };
  const walkTpl = await latestTemplate(WALK, 'walkthrough');
  main.append(h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, '← ' + t('back'))),
    h('div', { class: 'card subject' }, h('b', { class: 'sname' }, st.name), st.unit ? h('div', { class: 'muted small' }, nameEl('unit', st.unit)) : null,
      st.address ? h('div', { class: 'addr' }, st.address) : null,
      h('div', { class: 'row' }, h('button', { class: 'btn primary', disabled: !walkTpl, onclick: () => newSheet(walkTpl, { store_id: st.id }, { store: st }) }, t('insp_start')))),
    h('h2', null, t('insp_past')));
  const body = h('div', { id: 'history' });
  main.append(body);
  const draw = async (hist, note) => {
    const list = await entries(storeId, hist, await mySheets());
    const trend = list.filter((e) => e.percent != null).reverse().map((e) => e.percent);
    body.replaceChildren(
      h('p', { class: 'muted small', id: 'fetched' }, note),
      trend.length ? h('figure', { class: 'trend' }, sparkline(trend), h('figcaption', { class: 'small muted' }, t('insp_trend'))) : null,
      list.length ? h('div', { class: 'cards' }, list.map((e) => h('div', { class: 'card hrow', 'data-id': e.id, 'data-percent': e.percent ?? '', 'data-grade': e.grade || '' },
        h('div', { class: 'row between' }, h('span', null, fmtTime(e.at)), e.sheet ? stateLabel(e.sheet) : null),
        h('div', { class: 'row between' }, h('b', null, pct(e.percent)), h('span', { class: 'ig ig-' + (e.grade || 'none') }, gradeText(e.tpl || walkTpl, e.grade)),
          h('span', null, t('insp_score') + ' ' + fmtN(e.score) + '/' + fmtN(e.max_score)), h('span', null, yuan(e.fines))),
        h('div', { class: 'row' }, e.sheet ? h('a', { class: 'btn small', href: '/insp/walk/' + enc(e.sheet.id), 'data-link': '' }, t('open')) : null, e.srv ? h('button', { class: 'btn small pdf', onclick: () => openReport(e.id).catch(() => {}) }, t('insp_pdf')) : null))))
        : h('p', { class: 'muted' }, t('insp_never')));
  };
  const hist = await cached(storeId);
  const note = (x) => (x ? t(isOnline() ? 'insp_fetched' : 'insp_cached', { t: fmtTime(x.at) }) : t('insp_never_fetched'));
  await draw(hist, note(hist));
  if (isOnline() && (!hist || Date.now() - Date.parse(hist.at) > STALE_MS / 6)) {
    refreshStore(storeId).then((fresh) => {
      if (location.pathname === '/insp/store/' + enc(storeId)) draw(fresh, t('insp_fetched', { t: fmtTime(fresh.at) }));
    }, () => { /* offline: the cache stays on screen */ });
  }
}

const walkPath = (s) => (s.kind === 'walkthrough' || s.kind === 'spotcheck' || s.subject?.store_id ? '/insp/walk/' + enc(s.id) : null);

register({
  roles: ['inspector'],
  home: inspectorHome,
  // Claims inspection sheets for the outbox's "open" links (roles.js sheetPath).
  sheetPath: walkPath,
  routes: [
    [/^\/insp\/walk\/([^/]+)$/, inspWalk],
    [/^\/insp\/store\/([^/]+)$/, inspStore],
    [/^\/insp\/spotcheck$/, inspSpotcheck],
    // 政企服务稽查 (issue 20); desk.js opens the same screens for supervisors and the admin.
    [/^\/audits$/, async function auditList() { return (await auditsJS()).auditList(); }],
    [/^\/audits\/new$/, async function auditNew() { return (await auditsJS()).auditNew(); }],
    [/^\/audits\/([^/]+)$/, async function auditView(id) { return (await auditsJS()).auditView(id); }],
  ],
});
