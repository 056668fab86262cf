// The shell: boots the app (session, language, service worker, sync), draws
// the header and banners, and owns the screens every role shares — login,
// the outbox and settings. The router is nav.js; each role's screens are a
// module registered with roles.js and imported when its person signs in.
import * as db from './db.js';
import { h } from './dom.js';
import { t, setLang, getLang, fmtTime } from './i18n.js';
import { on, onScreen, emit } from './bus.js';
import { login, loadSession, currentSession, logoutServer, NetError, isOnline } from './api.js';
import * as sync from './sync.js';
import * as outbox from './outbox.js'; // the single requests waiting (visits, audits)
import * as updates from './update.js'; // app updates: applied at start or on a navigation
import * as roles from './roles.js';
import { nameOf } from './names.js';
import { main, navigate, render, onNavigation } from './nav.js';
import { stateLabel } from './sheet-ui.js';

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

// ---------- routes ----------
// The shell's own screens; "/" is the signed-in role's home (roles.js).
roles.register({
  routes: [
    [/^\/login$/, viewLogin],
    [/^\/$/, viewHome],
    [/^\/outbox$/, viewOutbox],
    [/^\/settings$/, viewSettings],
  ],
});

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

// viewHome is the role's own first screen: technicians see their orders.
function viewHome() {
  const home = roles.homeOf(currentSession()?.user?.role);
  if (!home) return undefined;
  document.body.dataset.view = home.name;
  return home();
}

// ---------- outbox ----------
async function viewOutbox() {
  const list = await sync.unsent();
  main.append(h('h2', null, t('unsent_title')));
  // Appointment entries and unreachable attempts (the technician's
  // tech-visit.js, precached: it loads with no signal too).
  const visits = await (await import('./tech-visit.js')).queuedList();
  // An audit's verdicts and evidence (kind 'audit' in the outbox).
  const audits = await outbox.entries('audit');
  if (!list.length && !visits && !audits.length) main.append(h('p', { class: 'muted' }, t('nothing_unsent')));
  if (visits) main.append(visits);
  for (const o of audits) {
    main.append(h('article', { class: 'card', 'data-audit-op': o.id },
      h('div', { class: 'row between' }, h('b', null, o.label || ''), h('span', { class: 'state st-' + (o.error ? 'rejected' : 'queued') }, t(o.error ? 'st_rejected' : 'st_queued'))),
      o.sub ? h('div', null, o.sub) : null,
      o.error ? h('div', { class: 'err' }, o.error.message || '') : null,
      h('a', { class: 'btn', href: '/audits/' + encodeURIComponent(o.audit), 'data-link': '' }, t('open'))));
  }
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
  const again = () => { offs.forEach((f) => f()); if (document.body.dataset.view === 'viewOutbox') render(); };
  const offs = [onScreen('sheet', again), onScreen('outbox', again)];
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

// ---------- service worker and updates (js/update.js) ----------
function registerSW() {
  updates.register({
    show: (apply) => banner('update', t('new_version'), h('button', { class: 'btn primary', onclick: apply }, t('reload'))),
    reloadHere: () => navigate(location.pathname + location.search, true),
  });
}

// ---------- start ----------
function rebuild() {
  document.getElementById('hdr').replaceChildren(header());
  render();
}

onNavigation(() => updates.onNavigate());

async function startApp() {
  // A version left waiting is applied before anything runs (js/update.js).
  await updates.atStart();
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
