// The router: one <main> every screen draws into, the route table (the
// shell's own routes and those the role modules register with roles.js) and
// the render queue. Role modules import what they need from here; nothing is
// lent to them through a shared object.
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { leaveScreen } from './bus.js';
import { currentSession } from './api.js';
import * as roles from './roles.js';

export const main = document.getElementById('main');

let leaving = null; // flush hook of the current view (autosave)
let editing = false; // the screen on show is an editable sheet
let navigated = false; // the next render follows a navigation (not an event)
let beforeNavigation = null; // the shell's hook run on a navigation: true when the page reloads (an app update)

// setLeaving sets what runs before the screen on show is left (a sheet's
// autosave flush, an agent's lease release).
export function setLeaving(fn) { leaving = fn; }
// setEditing says an editable sheet is on show. Nothing reads it since
// update.js applies a new version only at start or on a navigation (after
// setLeaving's flush); the sheet screens still say it.
export function setEditing(v) { editing = !!v; }
// onNavigation sets the shell's hook, run on a navigation once the screen
// being left has saved; it returns true when the page is reloading into a
// new version (nothing more is drawn).
export function onNavigation(fn) { beforeNavigation = fn; }

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
export function render() {
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
  if (navigated && beforeNavigation?.()) return undefined;
  navigated = false;
  const path = location.pathname;
  const s = currentSession();
  if (!s && path !== '/login') return navigate('/login', true);
  if (s) {
    // The signed-in role's screens: loaded on its first screen, from the
    // service worker's precache when there is no signal.
    try { await roles.load(s.user?.role); } catch (e) {
      clear(main).append(h('p', { class: 'err' }, t('error') + ': ' + e.message));
      return undefined;
    }
  }
  for (const [re, view] of roles.routes) {
    const m = re.exec(path);
    if (m) {
      clear(main);
      document.body.dataset.view = view.name;
      try { await view(...m.slice(1).map(decodeURIComponent)); } catch (e) { main.append(h('p', { class: 'err' }, t('error') + ': ' + e.message)); }
      return undefined;
    }
  }
  return navigate('/', true);
}
