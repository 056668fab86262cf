// App updates (issue 14). A new version of the app is a new sw.js: it installs
// in the background and waits. It is applied at the next start of the app,
// before anything else runs; an in-app navigation, once the screen left has
// saved what was typed, reloads the page to get there; a tap on 有新版本 · 刷新
// does the same at once. A sheet being typed into is never reloaded.
//
// Why at start, before the first screen and the first sync: Chromium lets a
// waiting worker take over (skipWaiting) only once the old worker has stopped.
// skipWaiting asks the old worker, once, to stop as soon as its events are
// done; a request that reaches it while it is stopping (the next screen's
// files, a sync round, the online check, the favicon the browser asks for
// after the load event) starts it again, and the restarted
// worker is only stopped after 30 s without a request (with DevTools
// attached, never). The app asks the server every 15 s, so the new version
// waited for Chromium's 5-minute limit and the banner came back on every
// reload. A page that has loaded but neither drawn nor synced yet sends
// nothing.
const WAIT = 6000; // how long a start waits for the new version to take over
const SETTLE = 500; // after the load event, for the browser's own requests to go out
const RETRY = 10 * 60e3; // after a start that timed out, no other try for so long
const KEY = 'fc-update-tried'; // sessionStorage: time of the last try, or 'force'

let waiting = null;
let reloading = false;
const sw = () => ('serviceWorker' in navigator ? navigator.serviceWorker : null);
const tried = () => { try { return sessionStorage.getItem(KEY); } catch { return null; } };
const mark = (v) => { try { if (v == null) sessionStorage.removeItem(KEY); else sessionStorage.setItem(KEY, v); } catch { /* private mode */ } };
// due: whether to try now. A try that timed out is not repeated for a while
// (each would hold a start for WAIT) unless the person asked for it.
const due = () => { const v = tried(); return v === 'force' || !(Date.now() - Number(v) < RETRY); };

// atStart applies a version left waiting. It resolves (false) when there is
// none, or when it did not take over in time and the app starts as usual;
// when it takes over the page reloads into it.
export async function atStart() {
  if (!sw()?.controller) return false;
  const reg = await sw().getRegistration().catch(() => null);
  if (!reg?.waiting || !due()) return false;
  mark(String(Date.now()));
  const w = reg.waiting;
  // The browser's own requests after the load event (on a phone the
  // manifest; the favicon is inline in index.html for this) go first.
  if (document.readyState !== 'complete') await new Promise((r) => addEventListener('load', r, { once: true }));
  await new Promise((r) => setTimeout(r, SETTLE));
  return new Promise((resolve) => {
    const taken = () => { clearTimeout(timer); mark(null); reloading = true; location.reload(); };
    const timer = setTimeout(() => {
      sw().removeEventListener('controllerchange', taken);
      // Should it still take over later, the next navigation reloads.
      sw().addEventListener('controllerchange', () => mark(null), { once: true });
      resolve(false);
    }, WAIT);
    sw().addEventListener('controllerchange', taken, { once: true });
    w.postMessage({ type: 'skipWaiting' });
  });
}

// onNavigate is called on an in-app navigation once the screen left has
// saved; true means the page is reloading into the waiting version (draw
// nothing more).
export function onNavigate() {
  if (reloading) return true;
  if (!waiting || !due()) return false;
  reloading = true;
  location.reload();
  return true;
}

// register installs the service worker and offers a new version as it
// arrives: show(apply) draws the banner, whose button calls apply; reloadHere
// navigates to the screen on show so it saves first (then onNavigate reloads).
export function register({ show, reloadHere }) {
  if (!sw()) return;
  const offer = (w) => {
    waiting = w;
    show(() => { mark('force'); reloadHere(); });
  };
  sw().register('/sw.js', { scope: '/' }).then((reg) => {
    if (reg.waiting && sw().controller) offer(reg.waiting);
    reg.addEventListener('updatefound', () => {
      const w = reg.installing;
      w?.addEventListener('statechange', () => { if (w.state === 'installed' && sw().controller) offer(w); });
    });
    setInterval(() => reg.update().catch(() => {}), 3600 * 1000);
  }).catch(() => { /* no SW (private mode): the app still runs while open */ });
}
