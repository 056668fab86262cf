// The app: a router over a handful of views. Everything a view shows comes
// from IndexedDB, so it renders the same with or without signal.
import * as db from './db.js';
import { h, clear, toast } from './dom.js';
import { t, tx, setLang, getLang, fmtTime } from './i18n.js';
import { on, onScreen, leaveScreen, emit } from './bus.js';
import { login, loadSession, currentSession, logoutServer, NetError, api, isOnline } from './api.js';
import * as sync from './sync.js';
import { validate, items, sigSha } from './rules.js';
import { renderChecklist } from './checklist.js';
import { hiddenItems } from './conds.js';
import { objectURL } from './photo.js';
import * as roles from './roles.js';
import { nameEl, nameOf } from './names.js';
import './desk.js'; // the operator's console: routes only, its screens load on first use
import './inspector.js';
import './agent.js';
import './supervisor.js';
import './qa.js';
import { visitPanel, unreachablePill, queuedList } from './tech-visit.js'; // 预约登记, 联系不上客户 (issue 22)

const main = document.getElementById('main');
const banners = document.getElementById('banners');
let pendingN = 0;

// ---------- header ----------
let headerOffs = [];
let netKnown = false; // the server has been asked at least once
on('online', () => { netKnown = true; }); // the header's bus listeners, removed when it is drawn anew
function header() {
  const dot = h('span', { class: 'dot', id: 'net' });
  // Only field roles have an outbox; the badge would mean nothing to others.
  const field = ['technician', 'inspector'].includes(currentSession()?.user?.role);
  const pend = field ? h('a', { href: '/outbox', 'data-link': '', class: 'badge', id: 'pending' }) : h('span', { hidden: true });
  const state = h('span', { class: 'muted small', id: 'syncstate' });
  const el = h('header', { class: 'top' },
    h('a', { href: '/', 'data-link': '', class: 'brand' }, t('app')),
    h('div', { class: 'spacer' }), state, dot, pend,
    h('a', { href: '/settings', 'data-link': '', class: 'icon', 'aria-label': t('settings') }, '⚙'));
  const paint = () => {
    // Until the server has been asked, the badge says so rather than "offline".
    const word = !netKnown ? t('net_checking') : isOnline() ? t('online') : t('offline');
    dot.className = 'dot ' + (!netKnown ? 'unknown' : isOnline() ? 'on' : 'off');
    dot.dataset.state = !netKnown ? 'unknown' : isOnline() ? 'online' : 'offline';
    dot.title = word;
    dot.textContent = word;
    pend.textContent = pendingN ? t('pending', { n: pendingN }) : t('all_sent');
    pend.classList.toggle('warn', pendingN > 0);
    pend.dataset.count = String(pendingN);
  };
  paint();
  headerOffs.forEach((off) => off());
  headerOffs = [on('online', paint), on('pending', (n) => { pendingN = n; paint(); }), on('sync', (s) => {
    state.textContent = s.state === 'running' ? t('syncing') : s.state === 'done' ? t('last_sync', { t: fmtTime(s.at, false) }) : '';
    if (s.expired) showExpired();
  })];
  return el;
}

// ---------- banners ----------
function banner(id, text, ...actions) {
  document.getElementById(id)?.remove();
  const el = h('div', { class: 'banner', id }, h('span', null, text), ...actions);
  banners.append(el);
  return el;
}
function showExpired() {
  banner('expired', t('session_expired'), h('button', { class: 'btn primary', onclick: () => navigate('/login') }, t('relogin')));
}
on('session', (s) => { if (s && !s.expired) document.getElementById('expired')?.remove(); else if (s?.expired) showExpired(); });

// ---------- router ----------
const routes = [
  [/^\/login$/, viewLogin],
  [/^\/$/, viewHome],
  [/^\/orders\/([^/]+)$/, viewOrder],
  [/^\/sheet\/([^/]+)$/, viewSheet],
  [/^\/print\/([^/]+)$/, viewPrint],
  [/^\/outbox$/, viewOutbox],
  [/^\/settings$/, viewSettings],
];
let leaving = null; // flush hook of the current view (autosave)
let editing = false; // the screen on show is an editable sheet
let navigated = false; // the next render follows a navigation (not an event)

export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  navigated = true;
  render();
}
addEventListener('popstate', () => { navigated = true; render(); });
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link]');
  if (!a || e.ctrlKey || e.metaKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});

// render draws the screen for the current path. Renders do not overlap: one
// asked for while another runs (an event, a navigation from inside a view)
// runs once that one is done, so two screens are never drawn into one. A
// view still waiting on the network after RENDER_WAIT does not hold up the
// person's next screen.
const RENDER_WAIT = 4000;
let rendering = null;
let renderAgain = false;
function render() {
  if (rendering) { renderAgain = true; return undefined; }
  rendering = (async () => {
    do {
      renderAgain = false;
      let timer;
      await Promise.race([renderOnce(), new Promise((r) => { timer = setTimeout(r, RENDER_WAIT); })]);
      clearTimeout(timer);
    } while (renderAgain);
  })().finally(() => { rendering = null; });
  return rendering;
}

async function renderOnce() {
  if (leaving) { try { await leaving(); } catch { /* ignore */ } leaving = null; }
  leaveScreen(); // the listeners of the screen being left
  editing = false;
  // A waiting app update is applied on a navigation, once the screen being
  // left has saved what was typed (the page reloads into the new version).
  if (navigated && waitingSW) applyUpdate();
  navigated = false;
  const path = location.pathname;
  const s = currentSession();
  if (!s && path !== '/login') return navigate('/login', true);
  for (const [re, view] of routes.concat(roles.routes)) {
    const m = re.exec(path);
    if (m) {
      clear(main);
      document.body.dataset.view = view.name;
      try { await view(...m.slice(1).map(decodeURIComponent)); } catch (e) { main.append(h('p', { class: 'err' }, t('error') + ': ' + e.message)); }
      return;
    }
  }
  navigate('/', true);
}

// ---------- login ----------
async function viewLogin() {
  const s = currentSession();
  const unsent = await sync.unsent();
  const lockUser = unsent.length && s?.user ? s.user.username : '';
  const msg = h('div', { class: 'err', role: 'alert' });
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, value: lockUser || s?.user?.username || '', readonly: !!lockUser });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const btn = h('button', { class: 'btn primary big', type: 'submit' }, t('login'));
  const form = h('form', { class: 'card login', onsubmit: async (e) => {
    e.preventDefault();
    msg.textContent = ''; btn.disabled = true;
    try {
      const prev = s?.user?.username;
      if (prev && prev !== user.value.trim() && !unsent.length) {
        // Another person takes over this phone: nothing is unsent, start clean.
        await db.wipe();
      }
      await login(user.value.trim(), pass.value);
      navigator.storage?.persist?.().catch(() => {});
      sync.syncNow('login');
      await Promise.race([import('./names.js').then((n) => n.refreshNames()), new Promise((r) => setTimeout(r, 3000))]); // online roles have no pull to bring names; a slow link does not hold the login
      // The header depends on the role (the outbox badge): draw it anew.
      history.replaceState(null, '', '/');
      rebuild();
    } catch (err) {
      msg.textContent = err instanceof NetError ? t('need_network') : err.code === 'login_busy' ? t('login_busy') : err.status === 429 ? t('login_throttled') : err.status === 401 ? t('login_failed') : err.message;
    } finally { btn.disabled = false; }
  } },
  h('h1', null, t('app')), h('p', { class: 'muted' }, t('login_once')),
  lockUser ? h('p', { class: 'warnbox' }, t('same_user_only', { u: lockUser })) : null,
  h('label', { class: 'field' }, h('span', null, t('username')), user),
  h('label', { class: 'field' }, h('span', null, t('password')), pass), btn, msg);
  main.append(form, langSwitch());
}

function langSwitch() {
  return h('div', { class: 'row center' }, h('button', { class: 'btn small', type: 'button', onclick: () => { setLang(getLang() === 'zh' ? 'en' : 'zh'); rebuild(); } },
    getLang() === 'zh' ? 'English' : '中文'));
}

// ---------- orders ----------
const SH = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
const dayOf = (iso) => (iso ? SH.format(new Date(iso)) : '');

async function sheetsByOrder() {
  const m = new Map();
  for (const s of await db.all('sheets')) {
    const k = s.subject?.workorder_id;
    if (k && (!m.has(k) || (m.get(k).updated_at || '') < (s.updated_at || ''))) m.set(k, s);
  }
  return m;
}

const shownState = (sheet) => (sheet.state === 'sent' && (sheet.missing || []).length ? 'incomplete' : sheet.state);
function stateLabel(sheet) {
  if (!sheet) return null;
  const st = shownState(sheet);
  return h('span', { class: 'state st-' + st, 'data-state': st }, t('st_' + st));
}

// viewHome is the role's own first screen: technicians see their orders.
function viewHome() {
  const home = roles.homes[currentSession()?.user?.role];
  if (home) { document.body.dataset.view = home.name; return home(); }
  document.body.dataset.view = 'viewOrders';
  return viewOrders();
}

async function viewOrders() {
  const orders = await db.all('orders');
  const sheets = await sheetsByOrder();
  const today = dayOf(new Date().toISOString());
  orders.sort((a, b) => (a.appointment?.from || '').localeCompare(b.appointment?.from || ''));
  const open = orders.filter((o) => o.status !== 'completed' && o.status !== 'cancelled');
  const todays = open.filter((o) => dayOf(o.appointment?.from) === today);
  const others = open.filter((o) => dayOf(o.appointment?.from) !== today);
  // Today's finished jobs are listed; a month of earlier ones waits behind
  // a tap (drawn only when opened: a cheap phone need not lay out 300 cards).
  const finished = orders.filter((o) => o.status === 'completed')
    .sort((a, b) => (b.completed_at || '').localeCompare(a.completed_at || ''));
  const done = finished.filter((o) => dayOf(o.completed_at || o.appointment?.from) === today);
  const earlier = finished.filter((o) => !done.includes(o));
  // Sheets whose order left this phone (reassigned) stay listed: never hide a record.
  const orphans = [...sheets.values()].filter((s) => !orders.some((o) => o.id === s.subject.workorder_id));
  main.append(h('h2', null, t('orders')));
  main.append(todays.length ? h('div', { class: 'cards' }, todays.map((o) => orderCard(o, sheets.get(o.id)))) : h('p', { class: 'muted' }, t('no_orders')));
  if (others.length) main.append(h('h2', null, t('other_orders')), h('div', { class: 'cards' }, others.map((o) => orderCard(o, sheets.get(o.id)))));
  if (orphans.length) main.append(h('h2', null, t('st_removed')), h('div', { class: 'cards' }, orphans.map((s) => orderCard(s.order || { id: s.subject.workorder_id, customer: {} }, s))));
  if (done.length) main.append(h('h2', null, t('done_orders')), h('div', { class: 'cards' }, done.map((o) => orderCard(o, sheets.get(o.id)))));
  if (earlier.length) {
    const list = h('div', { class: 'cards' });
    const more = h('details', { class: 'earlier', id: 'earlier' }, h('summary', null, t('earlier_done', { n: earlier.length })), list);
    more.addEventListener('toggle', () => { if (more.open && !list.firstChild) list.append(...earlier.map((o) => orderCard(o, sheets.get(o.id)))); });
    main.append(more);
  }
  const again = () => { off(); off2(); if (document.body.dataset.view === 'viewOrders') render(); };
  const off = onScreen('sheet', again);
  const off2 = onScreen('sync', (s) => { if (s.state === 'done' && s.changed !== false) again(); });
}

function mapLink(addr) { return 'https://uri.amap.com/search?keyword=' + encodeURIComponent(addr || ''); }

function orderCard(o, sheet, full = false) {
  const c = o.customer || {};
  const ap = o.appointment || {};
  return h('article', { class: 'card order', 'data-order': o.id },
    h('div', { class: 'row between' },
      h('a', { href: '/orders/' + encodeURIComponent(o.id), 'data-link': '', class: 'ono' }, o.id),
      h('span', { class: 'pill' }, t('type_' + o.type)), c.tier ? h('span', { class: 'pill tier-' + c.tier }, t('tier_' + c.tier)) : null, stateLabel(sheet)),
    h('div', { class: 'cust' }, c.name || ''),
    c.address ? h('div', { class: 'addr' }, c.address, ' ', h('a', { href: mapLink(c.address), target: '_blank', rel: 'noopener', class: 'maplink' }, t('map'))) : null,
    h('div', { class: 'meta' },
      ap.from ? h('span', null, t('appointment') + ' ', fmtTime(ap.from), ap.to ? '–' + fmtTime(ap.to, false) : '') : null,
      o.subscribed_mbps ? h('span', null, t('speed') + ' ', String(o.subscribed_mbps), ' Mbps') : null,
      o.product ? h('span', { class: 'product' }, nameEl('product', o.product)) : null, slaEl(o)),
    h('div', { class: 'row' },
      c.phone ? h('a', { class: 'btn', href: 'tel:' + c.phone }, t('call'), full ? ' ' + c.phone : '') : null,
      full ? null : h('a', { class: 'btn primary', href: '/orders/' + encodeURIComponent(o.id), 'data-link': '' }, openLabel(o, sheet))),
    full ? visitPanel(o) : unreachablePill(o));
}

// slaEl: the time left on the order's limit (sla/), paused while on hold.
function slaEl(o) {
  if (!o.sla || o.status === 'completed' || o.status === 'cancelled') return null;
  if (o.status === 'on_hold') return h('span', { class: 'pill sla' }, t('sla_paused'));
  const m = Math.round((Date.parse(o.sla.due_at) - Date.now()) / 6e4), a = Math.abs(m);
  const v = a >= 2880 ? Math.floor(a / 1440) + t('u_d') : a >= 60 ? Math.floor(a / 60) + t('u_h') : a + t('u_m');
  return h('span', { class: 'pill sla' + (m < 0 ? ' late' : '') }, t(m < 0 ? 'sla_over' : 'sla_left', { v }));
}

// openLabel: what the card's button does — a finished order's sheet was
// sent (from this phone or another), so it is looked at, not filled in.
function openLabel(o, sheet) {
  if (sheet) return sheet.state === 'draft' ? t('continue_sheet') : t('view_sheet');
  return o.status === 'completed' ? t('view_sheet') : t('open_sheet');
}

async function pickTemplate(order) {
  const tpls = (await db.all('templates')).filter((x) => x.kind === 'acceptance');
  const latest = new Map();
  for (const x of tpls) if (!latest.has(x.id) || latest.get(x.id).version < x.version) latest.set(x.id, x);
  return latest.get(order.type + '_acceptance') || latest.get('install_acceptance') || [...latest.values()][0] || null;
}

// viewOrder opens (or creates) the order's sheet.
async function viewOrder(id) {
  const order = await db.get('orders', id);
  const sheets = await sheetsByOrder();
  let sheet = sheets.get(id);
  if (sheet) return navigate('/sheet/' + encodeURIComponent(sheet.id), true);
  if (!order) { main.append(h('p', null, t('not_found'))); return; }
  const srv = (await db.all('server_subs')).find((x) => x.subject?.workorder_id === id);
  if (srv) {
    // Sent from another phone: fetch it so an edit carries the right base_version.
    try {
      const copy = await api('GET', '/submissions/' + encodeURIComponent(srv.id));
      sheet = { ...copy, base_version: copy.version, server_version: copy.version, state: 'sent', order, photo_meta: copy.photo_meta || {} };
      await sync.saveSheet(sheet);
      return navigate('/sheet/' + encodeURIComponent(sheet.id), true);
    } catch { main.append(orderCard(order, null, true), h('p', { class: 'warnbox' }, t('st_sent') + ' · ' + t('need_network'))); return; }
  }
  const tpl = await pickTemplate(order);
  if (!tpl) { main.append(orderCard(order, null, true), h('p', { class: 'warnbox' }, t('no_template'))); return; }
  // A new sheet is drawn but not kept: it becomes a draft (and gets its own
  // address) once something is entered, so merely opening an order leaves
  // nothing behind.
  sheet = {
    id: db.uuid(), template_id: tpl.id, template_version: tpl.version, subject: { workorder_id: id },
    base_version: 0, started_at: new Date().toISOString(), answers: {}, photos: {}, photo_meta: {}, state: 'draft', order,
  };
  return drawSheet(sheet, true);
}

// ---------- the sheet ----------
async function viewSheet(id) {
  const sheet = await db.get('sheets', id);
  if (!sheet) { main.append(h('p', null, t('not_found'))); return; }
  const own = roles.sheetPathOf(sheet);
  if (own !== '/sheet/' + encodeURIComponent(id)) return navigate(own, true);
  return drawSheet(sheet, false);
}

// signatureShas: the hashes of the sheet's answered signature items.
function signatureShas(tpl, sheet) {
  return items(tpl).filter((it) => it.type === 'signature').map((it) => sigSha(sheet.answers?.[it.id])).filter(Boolean);
}

async function drawSheet(sheet, fresh) {
  const id = sheet.id;
  const tpl = await sync.templateFor(sheet);
  const order = (await db.get('orders', sheet.subject.workorder_id)) || sheet.order || { id: sheet.subject.workorder_id, customer: {} };
  if (!tpl) { main.append(h('p', { class: 'warnbox' }, t('no_template'))); return; }
  const editable = ['draft', 'rejected'].includes(sheet.state);
  editing = editable;
  main.append(h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, '← ' + t('back')), fresh ? null : stateLabel(sheet)));
  main.append(orderCard(order, null, true));
  if (sheet.order_removed) main.append(h('p', { class: 'warnbox' }, t('st_removed')));
  main.append(h('h2', null, tx(tpl.title)));

  if (sheet.state === 'rejected' && sheet.rejection) {
    const f = sheet.rejection.fields || {};
    main.append(h('div', { class: 'warnbox', id: 'rejection' }, h('b', null, t('server_reasons') + ': '), sheet.rejection.message || sheet.rejection.code,
      Object.keys(f).length ? h('ul', null, Object.entries(f).map(([k, v]) => h('li', null, labelFor(tpl, k) + ': ' + v))) : null));
  }
  if (sheet.state === 'conflict') main.append(conflictBox(sheet, tpl));
  if (sheet.state === 'sent' && sheet.last_result?.version) main.append(h('p', { class: 'okbox' }, t('st_sent') + ' · ' + t('version') + ' ' + sheet.last_result.version + (sheet.sent_at ? ' · ' + t('sent_at', { t: fmtTime(sheet.sent_at) }) : '')));

  // Changed after the customer signed: the old signature would stay on a
  // changed sheet (the server flags it). Say so, and let the customer sign anew.
  const signedBefore = sheet.signed_before_edit || [];
  const resignBox = editable && signedBefore.length && signatureShas(tpl, sheet).some((x) => signedBefore.includes(x))
    ? h('div', { class: 'warnbox', id: 'resign', role: 'alert' }, h('p', null, t('signed_then_edited')),
      h('button', { type: 'button', class: 'btn primary', onclick: async () => {
        for (const it of items(tpl)) if (it.type === 'signature') delete sheet.answers[it.id];
        await save();
        await render();
        document.querySelector('.item[data-type="signature"]')?.scrollIntoView({ block: 'center' });
      } }, t('resign_now')))
    : null;
  if (resignBox) main.append(resignBox);

  const holder = h('div', { class: 'checklist' });
  main.append(holder);
  let timer = null;
  // save keeps the sheet; a fresh one becomes a draft here and gets its address.
  const save = async () => {
    await sync.saveSheet(sheet);
    if (fresh) { fresh = false; if (location.pathname === '/orders/' + encodeURIComponent(sheet.subject.workorder_id)) history.replaceState(null, '', '/sheet/' + encodeURIComponent(id)); }
  };
  const flush = async () => { if (timer) { clearTimeout(timer); timer = null; await save(); } };
  leaving = flush;
  const view = renderChecklist(holder, {
    template: tpl, sheet, order, readOnly: !editable,
    serverFields: sheet.state === 'rejected' ? sheet.rejection?.fields : null,
    onChange: () => { clearTimeout(timer); timer = setTimeout(() => { timer = null; save(); }, 250); },
  });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); }, { once: true });

  const actions = h('div', { class: 'actions' });
  if (editable) {
    actions.append(h('button', { class: 'btn primary big', id: 'submit', onclick: async () => {
      if (await submitSheet(sheet, tpl, view, holder, () => { clearTimeout(timer); timer = null; })) render();
    } }, sheet.state === 'rejected' ? t('resend') : t('submit')));
  } else if (sheet.state === 'sent' || sheet.state === 'queued') {
    actions.append(h('button', { class: 'btn', onclick: async () => {
      // An edit becomes a new version on top of what the server holds; the
      // signatures it had are remembered so the screen can warn about them.
      sheet.state = 'draft';
      sheet.signed_before_edit = signatureShas(tpl, sheet);
      await sync.saveSheet(sheet);
      render();
    } }, t('edit')));
  }
  if (!fresh) actions.append(h('a', { class: 'btn', href: '/print/' + encodeURIComponent(sheet.id), 'data-link': '' }, t('print')));
  if (sheet.state !== 'sent') actions.append(discardButton(sheet));
  main.append(actions);
  if (!editable) {
    // A sheet waiting in the outbox changes under our eyes (sent, rejected,
    // conflict): show the new state. Drafts are never redrawn while typing.
    const off = onScreen('sheet', (s) => {
      if (location.pathname !== '/sheet/' + encodeURIComponent(id)) { off(); return; }
      if (s.id === id && shownState(s) !== shownState(sheet)) { off(); render(); }
    });
  }
}

// submitSheet checks a sheet with the server's own rules and, when it
// passes, queues it in the outbox and starts a sync; otherwise it shows the
// errors. stopAutosave cancels the view's pending autosave first. Every
// role's sheet screen submits through it.
async function submitSheet(sheet, tpl, view, holder, stopAutosave) {
  const n = Object.keys(validate(tpl, sheet)).length;
  if (n) {
    view.showErrors();
    toast(t('fix_errors', { n }));
    holder.querySelector('.item.invalid')?.scrollIntoView({ behavior: 'smooth', block: 'center' });
    return false;
  }
  stopAutosave();
  sheet.finished_at = new Date().toISOString();
  const loc = await locate(); // where the person stood, when the phone says
  if (loc) sheet.location = loc;
  sheet.state = 'queued';
  delete sheet.rejection;
  await sync.saveSheet(sheet);
  sync.requestBackgroundSync();
  toast(t('submitted'));
  sync.syncNow('submit');
  return true;
}

function labelFor(tpl, path) {
  const id = path.replace(/^(answers|photos)\./, '');
  const it = items(tpl).find((x) => x.id === id);
  return it ? tx(it.label) : path;
}

function discardButton(sheet) {
  return h('button', { class: 'btn danger', onclick: async () => {
    if (!confirm(t('discard_confirm'))) return;
    await db.del('sheets', sheet.id);
    await sync.refreshCounter();
    navigate('/', true);
  } }, t('discard'));
}

function conflictBox(sheet, tpl) {
  const c = sheet.server_copy;
  return h('div', { class: 'warnbox', id: 'conflict' },
    h('p', null, h('b', null, t('st_conflict') + ': '), sheet.conflict?.message || sheet.conflict?.code || ''),
    h('p', null, t('conflict_help')),
    c ? h('div', null, h('b', null, t('server_version') + ' ' + (c.version ?? '')), ' · ', fmtTime(c.finished_at),
      h('ul', null, items(tpl).filter((it) => c.answers && it.id in c.answers).map((it) => h('li', null, tx(it.label) + ': ' + fmtAnswer(it, c.answers[it.id]))))) : null,
    h('div', { class: 'row' },
      c ? h('button', { class: 'btn primary', onclick: async () => {
        sheet.base_version = c.version; sheet.state = 'queued';
        delete sheet.conflict; delete sheet.server_copy;
        await sync.saveSheet(sheet); sync.syncNow('rebase'); render();
      } }, t('rebase')) : null,
      h('button', { class: 'btn', onclick: async () => {
        if (!confirm(t('discard_confirm'))) return;
        await db.del('sheets', sheet.id); await sync.refreshCounter(); navigate('/', true);
      } }, t('use_server'))));
}

function fmtAnswer(it, a) {
  if (a == null) return '—';
  switch (it.type) {
    case 'check': return a ? t('answer_yes') : t('answer_no');
    case 'pass_fail': return t(a);
    case 'choice': return tx((it.choices || []).find((c) => c.id === a)?.label) || a;
    case 'count': return t('count_n', { n: a });
    case 'speedtest': {
      const d = (x) => (x == null ? '—' : x);
      return `${t('down')} ${d(a.down_mbps)} / ${t('up')} ${d(a.up_mbps)} Mbps · ${t('ping')} ${d(a.ping_ms)} ms · ${t('jitter')} ${d(a.jitter_ms)} ms (${a.method === 'manual' ? t('speed_manual') : t('speed_browser')})`;
    }
    case 'signature': return t('signed');
    case 'number': return String(a) + (it.number?.unit ? ' ' + it.number.unit : '');
    default: return String(a);
  }
}

function locate() {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((res) => {
    const done = (v) => { clearTimeout(timer); res(v); };
    const timer = setTimeout(() => done(null), 4000);
    navigator.geolocation.getCurrentPosition(
      (p) => done({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy_m: Math.round(p.coords.accuracy) }),
      () => done(null), { enableHighAccuracy: true, timeout: 3500, maximumAge: 120000 });
  });
}

// ---------- printable customer copy ----------
async function viewPrint(id) {
  const sheet = await db.get('sheets', id);
  if (!sheet) { main.append(h('p', null, t('not_found'))); return; }
  const tpl = await sync.templateFor(sheet);
  const o = (await db.get('orders', sheet.subject.workorder_id)) || sheet.order || { customer: {} };
  const c = o.customer || {};
  const doc = h('div', { class: 'print' },
    h('div', { class: 'noprint row' }, h('a', { href: '/sheet/' + encodeURIComponent(id), 'data-link': '', class: 'btn small' }, '← ' + t('back')),
      h('button', { class: 'btn primary', onclick: () => print() }, t('print'))),
    h('h1', null, t('sheet_title'), ' · ', t('customer_copy')),
    h('table', { class: 'kv' }, h('tbody', null,
      tr(t('order_no'), o.id || sheet.subject.workorder_id), tr(t('customer'), c.name), tr(t('address'), c.address),
      tr(t('appointment'), o.appointment ? fmtTime(o.appointment.from) + '–' + fmtTime(o.appointment.to, false) : ''),
      tr(t('speed'), o.subscribed_mbps ? o.subscribed_mbps + ' Mbps' : ''), tr(t('started'), fmtTime(sheet.started_at)),
      tr(t('finished'), fmtTime(sheet.finished_at)), tr(t('version'), sheet.server_version || '—'))));
  const sig = [];
  if (tpl) {
    const hidden = hiddenItems(tpl, sheet, sheet.order_facts); // what did not apply is not printed
    for (const sec of tpl.sections || []) {
      const rows = [];
      for (const it of sec.items || []) {
        if (hidden.has(it.id)) continue;
        if (it.type === 'signature') { if (sigSha(sheet.answers?.[it.id])) sig.push(sigSha(sheet.answers[it.id])); continue; }
        if (it.type === 'photo') {
          const list = sheet.photos?.[it.id] || [];
          const cell = h('td', null, list.map((sha) => { const img = h('img', { class: 'pthumb', alt: '' }); objectURL(sha).then((u) => u && (img.src = u)); return img; }));
          rows.push(h('tr', null, h('th', null, tx(it.label)), cell));
        } else rows.push(tr(tx(it.label), fmtAnswer(it, sheet.answers?.[it.id])));
      }
      if (rows.length) doc.append(h('h2', null, tx(sec.title)), h('table', { class: 'kv' }, h('tbody', null, rows)));
    }
  }
  const sigBox = h('div', { class: 'sigbox' }, h('div', null, t('signature')));
  for (const sha of sig) { const img = h('img', { class: 'sigimg', alt: t('signed') }); objectURL(sha).then((u) => u && (img.src = u)); sigBox.append(img); }
  doc.append(sigBox);
  main.append(doc);
}
const tr = (k, v) => h('tr', null, h('th', null, k), h('td', null, v == null ? '' : String(v)));

// ---------- outbox ----------
async function viewOutbox() {
  const list = await sync.unsent();
  main.append(h('h2', null, t('unsent_title')));
  const visits = await queuedList(); // appointment entries, unreachable attempts (tech-visit.js)
  if (!list.length && !visits) main.append(h('p', { class: 'muted' }, t('nothing_unsent')));
  if (visits) main.append(visits);
  for (const s of list) {
    // Inspections have a store, not an order, as their subject.
    const wo = s.subject?.workorder_id;
    const o = (wo && (await db.get('orders', wo))) || s.order || {};
    main.append(h('article', { class: 'card', 'data-sheet': s.id },
      h('div', { class: 'row between' }, h('b', null, o.id || wo || s.store?.name || s.subject?.store_id || ''), stateLabel(s)),
      h('div', null, o.customer?.name || s.store?.address || ''),
      s.rejection ? h('div', { class: 'err' }, s.rejection.message || s.rejection.code) : null,
      s.conflict ? h('div', { class: 'err' }, s.conflict.message || s.conflict.code) : null,
      h('a', { class: 'btn', href: roles.sheetPathOf(s), 'data-link': '' }, t('open'))));
  }
  main.append(h('div', { class: 'row' },
    h('button', { class: 'btn primary', onclick: () => sync.syncNow('manual') }, t('sync_now')),
    h('button', { class: 'btn', onclick: () => sync.exportOutbox() }, t('export'))));
  const off = onScreen('sheet', () => { off(); if (document.body.dataset.view === 'viewOutbox') render(); });
}

// ---------- settings ----------
async function viewSettings() {
  const s = currentSession();
  const persisted = navigator.storage?.persisted ? await navigator.storage.persisted() : false;
  const est = navigator.storage?.estimate ? await navigator.storage.estimate().catch(() => null) : null;
  const mb = (x) => (x / 1048576).toFixed(1) + ' MB';
  const logoutMsg = h('div', { class: 'err', role: 'alert' });
  main.append(h('h2', null, t('settings')),
    h('div', { class: 'card' },
      h('p', null, t('user') + ': ', s?.user ? `${s.user.name || nameOf('person', s.user.username)} · ${nameOf('role', s.user.role)}` : '—'),
      // The device's own id stays in the audit log and the outbox export;
      // on screen the phone is named by what it is.
      h('p', { class: 'small muted' }, t('device') + ': ', devicePlatform())),
    h('div', { class: 'card' }, h('h3', null, t('storage')),
      h('p', { id: 'persist', 'data-persisted': String(persisted), class: persisted ? 'ok' : 'warnbox' }, persisted ? t('persisted') : t('not_persisted')),
      est ? h('p', { class: 'small muted' }, t('storage_use', { u: mb(est.usage || 0), q: mb(est.quota || 0) })) : null,
      persisted ? null : h('button', { class: 'btn', onclick: async () => { await navigator.storage?.persist?.(); render(); } }, t('persist_ask'))),
    h('div', { class: 'card' }, h('h3', null, t('language')), langSwitch()),
    h('div', { class: 'card' }, h('p', { class: 'small muted' }, t('export_help')),
      h('button', { class: 'btn', onclick: () => sync.exportOutbox() }, t('export'))),
    h('div', { class: 'card' }, h('button', { class: 'btn danger big', id: 'logout', onclick: async () => {
      // Logging out wipes the phone, so it is refused while anything is unsent.
      const n = (await sync.unsent()).length + await sync.queuedOther();
      if (n) { logoutMsg.textContent = t('logout_blocked', { n }); logoutMsg.append(' ', h('button', { class: 'btn small', onclick: () => sync.exportOutbox() }, t('export'))); return; }
      await logoutServer();
      sync.stop();
      await db.wipe();
      location.replace('/login');
    } }, t('logout')), logoutMsg));
}

// ---------- service worker and updates ----------
// A new version waits (installed, not active) until the app applies it: at
// start when no sheet is open for editing, else on the next navigation
// (after the screen left has saved), or when the person taps the banner.
// It never reloads a sheet being typed into.
let waitingSW = null;
let updating = false;
function applyUpdate() {
  if (!waitingSW || updating) return;
  updating = true;
  waitingSW.postMessage({ type: 'skipWaiting' });
}
function registerSW() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).then((reg) => {
    const offer = (w, now) => {
      waitingSW = w;
      if (now && !editing && !leaving) { applyUpdate(); return; }
      banner('update', t('new_version'), h('button', { class: 'btn primary', onclick: applyUpdate }, t('reload')));
    };
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting, true);
    reg.addEventListener('updatefound', () => {
      const w = reg.installing;
      w?.addEventListener('statechange', () => { if (w.state === 'installed' && navigator.serviceWorker.controller) offer(w, false); });
    });
    setInterval(() => reg.update().catch(() => {}), 3600 * 1000);
  }).catch(() => { /* no SW (private mode): the app still runs while open */ });
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only reload when this page applied the update; the first install's
    // clients.claim() must not reload.
    if (reloading || !updating) return;
    reloading = true; location.reload();
  });
}

// ---------- start ----------
function rebuild() {
  document.getElementById('hdr').replaceChildren(header());
  render();
}

Object.assign(roles.ui, { main, navigate, render, setLeaving: (fn) => { leaving = fn; }, setEditing: (v) => { editing = !!v; }, stateLabel, orderCard, fmtAnswer, locate, submitSheet });

async function startApp() {
  setLang(getLang());
  await loadSession();
  await sync.dropEmptyDrafts().catch(() => {});
  rebuild();
  // The service worker and the first sync wait until the page has loaded,
  // so the first screen draws without competing with them.
  const later = () => { registerSW(); sync.start(); };
  if (document.readyState === 'complete') setTimeout(later, 0); else addEventListener('load', () => setTimeout(later, 0), { once: true });
  sync.refreshCounter();
  if (currentSession()?.expired) showExpired();
}
startApp();
window.fieldcheck = { sync, db, emit }; // for support staff in the console and the browser tests

// devicePlatform names this device for a person ("Android", "iPhone"…).
function devicePlatform() {
  const ua = navigator.userAgent;
  const m = /(Android|iPhone|iPad|HarmonyOS|Windows|Mac OS X|CrOS|Linux)/.exec(ua);
  return navigator.userAgentData?.platform || (m ? m[1].replace('Mac OS X', 'macOS').replace('CrOS', 'ChromeOS') : '—');
}
