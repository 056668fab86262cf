// Work orders for the supervisor: a searchable list of recent orders and one
// order's detail — the acceptance sheet as the customer signed it (every
// version), its review flags with the photo evidence, and the callback.
import { h, clear } from './dom.js';
import { t, tx, fmtTime } from './i18n.js';
import { api, NetError, openReport } from './api.js';
import * as ui from './nav.js';
import { fmtAnswer } from './sheet-ui.js';
import { speedJudge, sigSha } from './rules.js';
import { addDays, today, shDay, photo, pct, otherRecord } from './sup-common.js';
import { at } from './shtime.js';
import { nameOf, nameEl } from './names.js';
import { visitRecord } from './sup-visit.js'; // 预约登记, 联系不上客户 (issue 22)

const LIST_DAYS = 30; // "recent": appointments in the last 30 days and ahead
const LIST_SHOW = 100;
const enc = encodeURIComponent;

function offlineNote(e) {
  return h('p', { class: 'warnbox', 'data-offline': '' }, e instanceof NetError ? t('need_online_detail') : t('error') + ': ' + e.message);
}

const statusPill = (s) => h('span', { class: 'pill wo-' + s, 'data-status': s }, t('wo_status_' + s));

// ---------- the list ----------
export async function supOrders() {
  const main = h('div', { class: 'sup wolistview' });
  ui.main.append(main);
  main.append(h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, '← ' + t('sup_title'))), h('h2', null, t('wo_list')));
  let orders;
  try {
    orders = (await api('GET', `/workorders?from=${addDays(today(), -LIST_DAYS)}&limit=5000`)).items;
  } catch (e) { main.append(offlineNote(e)); return; }
  const key = (o) => at(o.appointment?.from || o.created_at); // an instant: +08:00 and Z both come
  // Overdue open orders first, the latest due the longest overdue.
  const now = Date.now(), late = (o) => (o.status === 'assigned' && o.sla && Date.parse(o.sla.due_at) < now ? Date.parse(o.sla.due_at) : 0);
  orders.sort((a, b) => (late(a) && late(b) ? late(a) - late(b) : !!late(b) - !!late(a)) || key(b) - key(a));
  const list = h('div', { class: 'cards wolist' });
  const input = h('input', { type: 'search', id: 'wosearch', placeholder: t('wo_search'), 'aria-label': t('wo_search'), autocomplete: 'off' });
  const paint = () => {
    const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const hit = orders.filter((o) => {
      const hay = [o.id, o.customer?.name, o.customer?.address, o.customer?.phone, o.technician, nameOf('person', o.technician), o.type, t('type_' + o.type)].join(' ').toLowerCase();
      return words.every((w) => hay.includes(w));
    });
    clear(list);
    if (!hit.length) list.append(h('p', { class: 'muted' }, t('wo_none')));
    for (const o of hit.slice(0, LIST_SHOW)) {
      list.append(h('a', { class: 'card woitem', href: '/wo/' + enc(o.id), 'data-link': '', 'data-wo': o.id },
        h('div', { class: 'row between' }, h('b', { class: 'ono' }, o.id), h('span', null, late(o) ? h('span', { class: 'pill late', 'data-late': '' }, t('wo_late')) : null, ' ', h('span', { class: 'pill' }, t('type_' + o.type)), ' ', statusPill(o.status))),
        h('div', null, o.customer?.name || '', ' · ', h('span', { class: 'muted' }, nameOf('person', o.technician))),
        h('div', { class: 'small muted' }, o.appointment?.from ? fmtTime(o.appointment.from) : '', o.completed_at ? ' · ' + t('wo_completed_at') + ' ' + fmtTime(o.completed_at) : '')));
    }
    if (hit.length > LIST_SHOW) list.append(h('p', { class: 'small muted' }, t('wo_more', { n: LIST_SHOW })));
  };
  input.addEventListener('input', paint);
  main.append(input, list);
  paint();
}

// ---------- one order ----------
const tplCache = new Map();
function template(id, version) {
  const k = id + '@' + version;
  if (!tplCache.has(k)) tplCache.set(k, api('GET', `/templates/${enc(id)}?version=${version}`).catch((e) => { tplCache.delete(k); throw e; }));
  return tplCache.get(k);
}

export async function supWorkOrder(id) {
  const main = ui.main;
  main.append(h('div', { class: 'row' }, h('a', { href: '/wo', 'data-link': '', class: 'btn small' }, '← ' + t('wo_list'))));
  const root = h('div', { class: 'wodetail sup', 'data-wo': id });
  main.append(root);
  let order, subs;
  try {
    [order, subs] = await Promise.all([api('GET', '/workorders/' + enc(id)), api('GET', '/submissions?workorder_id=' + enc(id))]);
  } catch (e) {
    root.append(e.status === 404 || e.status === 403 ? h('p', null, t('not_found')) : offlineNote(e));
    return;
  }
  const c = order.customer || {};
  root.append(h('section', { class: 'card woinfo', 'data-status': order.status },
    h('div', { class: 'row between' }, h('h2', { class: 'ono' }, order.id), h('span', null, h('span', { class: 'pill' }, t('type_' + order.type)), ' ',
      c.tier ? h('span', { class: 'pill tier-' + c.tier }, t('tier_' + c.tier)) : null, ' ', statusPill(order.status))),
    h('table', { class: 'kv' }, h('tbody', null,
      kv(t('customer'), c.name), kv(t('address'), c.address),
      kv(t('appointment'), order.appointment?.from ? fmtTime(order.appointment.from) + '–' + fmtTime(order.appointment.to, false) : ''),
      kv(t('speed'), order.subscribed_mbps ? order.subscribed_mbps + ' Mbps' : ''), kv(t('wo_tech'), nameOf('person', order.technician) + (order.unit ? ' · ' + nameOf('unit', order.unit) : '')),
      kv(t('wo_completed_at'), order.completed_at ? fmtTime(order.completed_at) : '—')))));
  root.append(visitRecord(order) || '');
  const sheets = subs.items.filter((x) => x.kind === 'acceptance');
  const spot = subs.items.filter((x) => x.kind !== 'acceptance');
  if (!sheets.length) root.append(h('p', { class: 'muted', id: 'nosheet' }, t('wo_no_sheet')));
  const layout = h('div', { class: 'wogrid' });
  root.append(layout);
  const left = h('div', { class: 'wocol' }), right = h('div', { class: 'wocol' });
  layout.append(left, right);
  for (const x of sheets.concat(spot)) {
    const holder = h('section', { class: 'card sheetview', 'data-submission': x.id, 'data-kind': x.kind });
    left.append(holder);
    showVersion(holder, x.id, x.version, order);
  }
  const finished = sheets[0]?.finished_at || order.completed_at;
  right.append(await callbackCard(order, finished));
}

const kv = (k, v) => h('tr', null, h('th', null, k), h('td', null, v == null || v === '' ? '—' : v instanceof Node ? v : String(v)));

// ---------- one submission (a store walkthrough, or a sheet opened from a flag) ----------
export async function supSubmission(id) {
  const main = ui.main;
  main.append(h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, '← ' + t('sup_title'))));
  const root = h('div', { class: 'wodetail sup subview', 'data-submission': id });
  main.append(root);
  let v;
  try { v = await api('GET', '/submissions/' + enc(id)); } catch (e) {
    root.append(e.status === 404 || e.status === 403 ? h('p', { id: 'sub-missing' }, t('not_found')) : offlineNote(e));
    return;
  }
  const woID = v.subject?.workorder_id;
  if (woID) { ui.navigate('/wo/' + enc(woID), true); return; }
  let store = null;
  try { store = (await api('GET', '/stores?limit=5000')).items.find((x) => x.id === v.subject?.store_id) || null; } catch { /* the code shows */ }
  root.append(h('section', { class: 'card woinfo' },
    h('h2', null, store?.name || v.subject?.store_id || ''),
    h('table', { class: 'kv' }, h('tbody', null,
      store?.address ? kv(t('address'), store.address) : null,
      kv(t('sup_unit'), store?.unit ? nameEl('unit', store.unit) : ''),
      kv(t('wo_author'), nameOf('person', v.author)), kv(t('finished'), fmtTime(v.finished_at)),
      v.rectification_id ? kv(t('c_rects'), h('a', { href: '/rect/' + enc(v.rectification_id), 'data-link': '', class: 'rectlink' }, t('rect_link'))) : null))));
  const holder = h('section', { class: 'card sheetview', 'data-submission': id, 'data-kind': v.kind });
  root.append(holder);
  await showVersion(holder, id, v.version, null);
}

async function showVersion(holder, id, version, order) {
  holder.dataset.loading = '';
  try {
    const v = await api('GET', `/submissions/${enc(id)}?version=${version}`);
    const [tpl, prev] = await Promise.all([template(v.template_id, v.template_version),
      version > 1 ? api('GET', `/submissions/${enc(id)}?version=${version - 1}`).catch(() => null) : null]);
    clear(holder).append(...renderSheet(v, tpl, order, prev, (n) => showVersion(holder, id, n, order)));
    if (v.kind !== 'acceptance') holder.append(h('button', { class: 'btn small pdf', onclick: () => openReport(id) }, tx({ zh: '检查汇总反馈表 PDF', en: 'Inspection summary PDF' })));
    holder.dataset.version = String(v.version);
  } catch (e) { clear(holder).append(offlineNote(e)); }
  delete holder.dataset.loading;
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function renderSheet(v, tpl, order, prev, go) {
  const out = [];
  out.push(h('div', { class: 'row between' }, h('h3', null, v.kind === 'acceptance' ? t('wo_sheet') : t('wo_spotcheck'), ' · ', tx(tpl.title)),
    h('span', { class: 'pill ' + (v.passed ? 'ok' : 'bad'), 'data-passed': String(v.passed) }, v.passed ? t('wo_passed') : t('wo_failed'))));
  // Versions: every stored version stays readable (API.md Sync).
  const vs = [];
  for (let n = 1; n <= v.latest_version; n++) {
    vs.push(h('button', { type: 'button', class: 'segbtn' + (n === v.version ? ' on' : ''), 'data-version': n, 'aria-pressed': String(n === v.version),
      onclick: () => { if (n !== v.version) go(n); } }, t('wo_version_n', { v: n }) + (n === v.latest_version ? t('wo_latest') : '')));
  }
  out.push(h('div', { class: 'versions' }, h('span', { class: 'small muted' }, t('wo_versions') + ' '), h('div', { class: 'seg' }, vs)));
  out.push(h('div', { class: 'small muted meta' },
    h('span', null, t('finished') + ' ' + fmtTime(v.finished_at)), h('span', null, t('wo_received') + ' ' + fmtTime(v.received_at)),
    h('span', null, t('wo_author') + ' ' + nameOf('person', v.author)), v.complete ? h('span', { class: 'okc' }, t('wo_complete')) : h('span', { class: 'err' }, t('wo_missing', { n: v.missing_photos.length }))));
  if (v.flags?.length) {
    out.push(h('div', { class: 'woflags' }, h('div', { class: 'row' }, v.flags.map((f) => h('span', { class: 'flag f-' + f, 'data-flag': f }, t('fl_' + f) === 'fl_' + f ? f : t('fl_' + f)))),
      (v.flag_details || []).map(flagDetail)));
  }
  const changed = (id, photos = false) => prev && !same(photos ? prev.photos?.[id] : prev.answers?.[id], photos ? v.photos?.[id] : v.answers?.[id]);
  for (const sec of tpl.sections || []) {
    const rows = [];
    for (const it of sec.items || []) {
      const ch = changed(it.id, it.type === 'photo');
      const attrs = { 'data-item': it.id, 'data-type': it.type, class: ch ? 'changed' : null, title: ch ? t('wo_changed') : null };
      let cell;
      if (it.type === 'photo') {
        const list = v.photos?.[it.id] || [];
        cell = list.length ? h('div', { class: 'thumbs' }, list.map((sha) => photo(sha, { caption: v.photo_meta?.[sha]?.taken_at ? fmtTime(v.photo_meta[sha].taken_at) : '' }))) : h('span', { class: 'muted' }, t('wo_no_photos'));
      } else if (it.type === 'signature') {
        const sha = sigSha(v.answers?.[it.id]); // a hash, or {sha256, strokes} (issue 14)
        cell = sha ? photo(sha, { cls: 'sigimg', size: 'medium' }) : '—';
      } else if (it.type === 'speedtest') {
        const a = v.answers?.[it.id];
        const j = order ? speedJudge(it, a, order.subscribed_mbps) : null;
        cell = h('div', null, fmtAnswer(it, a), j ? h('div', { class: 'speedcmp judge ' + (j.pass ? 'ok' : 'bad'), 'data-pass': String(j.pass), 'data-down': a.down_mbps, 'data-subscribed': j.subscribed },
          (j.pass ? t('speed_pass') : t('speed_fail')) + ' · ' + t('wo_speed_cmp', { d: a.down_mbps, s: j.subscribed, th: j.threshold })) : null);
      } else {
        cell = h('span', { class: 'ans' }, fmtAnswer(it, v.answers?.[it.id]));
      }
      rows.push(h('tr', attrs, h('th', null, tx(it.label)), h('td', null, cell)));
    }
    out.push(h('h4', null, tx(sec.title)), h('table', { class: 'kv sheet' }, h('tbody', null, rows)));
  }
  if (v.max_score) out.push(h('p', null, `${v.score} / ${v.max_score} · ${pct(v.percent == null ? null : v.percent / 100)}`, v.grade ? ' · ' + t('grade_' + v.grade) : ''));
  return out;
}

function flagDetail(d) {
  if (d.flag === 'photo_reused') {
    return h('div', { class: 'reuse', 'data-photo': d.photo, 'data-matched': d.matched_photo },
      h('div', { class: 'pair' }, photo(d.photo, { caption: t('fl_this') }), photo(d.matched_photo || d.photo, { caption: t('fl_other') })),
      h('div', { class: 'small' }, d.distance ? t('fl_near', { d: d.distance }) : t('fl_same'), ' · ', otherRecord(d)));
  }
  if (d.flag === 'clock_skew') return h('div', { class: 'small' }, t('fl_skew', { m: Math.round((d.skew_seconds || 0) / 60) }));
  if (d.flag === 'edited_after_signature') return h('div', { class: 'small' }, t('fl_edit_v', { v: d.version }));
  return null;
}

// callbackCard finds the order's callback task: tasks are listed by the day
// the job finished (Asia/Shanghai), so one day's list holds it.
async function callbackCard(order, finishedAt) {
  const el = h('section', { class: 'card cbhist', id: 'callback' }, h('h3', null, t('wo_callback')));
  if (!finishedAt) { el.append(h('p', { class: 'muted' }, t('wo_cb_not_due'))); return el; }
  let task;
  try {
    const d = shDay(finishedAt);
    const list = await api('GET', `/callbacks?from=${d}&to=${d}&limit=5000`);
    task = list.items.find((x) => x.workorder_id === order.id);
  } catch (e) { el.append(offlineNote(e)); return el; }
  if (!task) { el.append(h('p', { class: 'muted', 'data-none': '' }, t('wo_no_callback'))); return el; }
  el.dataset.task = task.id; el.dataset.status = task.status;
  el.append(h('div', { class: 'row' }, h('span', { class: 'pill cb-' + task.status }, t('cb_status_' + task.status)),
    h('span', { class: 'pill' }, t('cb_channel_' + task.channel))),
  h('div', { class: 'small muted' }, t('cb_due', { t: fmtTime(task.due_at) }), ' · ', t('cb_deadline', { t: fmtTime(task.deadline_at) })),
  h('h4', null, t('cb_attempts')),
  task.attempts?.length
    ? h('ol', { class: 'attempts' }, task.attempts.map((a) => h('li', { class: 'attempt', 'data-outcome': a.outcome },
      h('b', null, t('cb_out_' + a.outcome)), ' · ', fmtTime(a.at), ' · ', nameOf('person', a.agent), a.call_at ? ' → ' + fmtTime(a.call_at) : '', a.note ? h('div', { class: 'small' }, a.note) : null)))
    : h('p', { class: 'muted small' }, t('cb_no_attempts')));
  if (task.survey) el.append(h('p', { class: 'small' }, t('cb_survey') + ': ', t('sat_' + task.survey.satisfaction), ' · ', fmtTime(task.survey.at)));
  const r = task.result;
  if (r) {
    el.append(h('div', { class: 'cbresult ' + (r.satisfaction === 'unsatisfied' ? 'bad' : 'ok'), 'data-satisfaction': r.satisfaction },
      h('b', null, t('cb_result') + ': ', t('sat_' + r.satisfaction)), r.score_0_5 != null ? ' · ' + t('cb_score', { n: r.score_0_5 }) : '',
      r.reasons?.length ? h('ul', { class: 'reasons' }, r.reasons.map((x) => h('li', null, x))) : null,
      r.note ? h('div', { class: 'small' }, r.note) : null,
      h('div', { class: 'small muted' }, t('cb_by', { who: nameOf('person', r.by), t: fmtTime(r.at) }), ' · ', t('cb_channel_' + r.channel)),
      task.rectification_id ? h('a', { class: 'btn small rectlink', href: '/rect/' + enc(task.rectification_id), 'data-link': '', 'data-rect': task.rectification_id }, t('rect_link')) : null));
  }
  return el;
}
