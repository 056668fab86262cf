// The service worker: keeps the app shell so the app opens with no signal.
// VERSION and PRECACHE are written by the server from a hash of the embedded
// files (pwa/shell.go), so every build gets its own cache.
const VERSION = "__VERSION__";
const PRECACHE = "__PRECACHE__";
const CACHE = 'fieldcheck-shell-' + VERSION;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Asset URLs carry ?v=VERSION and are immutable, so the HTTP cache may
    // answer them (no second download after the first page load); "/" is
    // revalidated.
    await Promise.all(PRECACHE.map(async (url) => {
      const res = await fetch(new Request(url, { cache: url === '/' ? 'no-cache' : 'default', credentials: 'same-origin' }));
      if (!res.ok) throw new Error(url + ': ' + res.status);
      await cache.put(url, res);
    }));
    // The first install takes over at once; an update waits until the app
    // applies it (js/update.js: at the next start, before the app draws or
    // syncs, so no request restarts this old worker while it stops).
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('fieldcheck-shell-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  // waitUntil keeps this worker alive until it has taken over: a worker
  // woken only for this message could otherwise be stopped first.
  if (event.data && event.data.type === 'skipWaiting') event.waitUntil(self.skipWaiting());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  // The API, health checks and the survey pages always go to the network and
  // are never cached: the outbox decides what to do when they fail.
  if (url.pathname.startsWith('/api/') || url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname.startsWith('/s/') || url.pathname === '/metrics') return;
  if (req.mode === 'navigate') {
    // App routes (/orders/..., /sheet/...) are all the one page.
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match('/');
      if (hit) return hit;
      return fetch(req);
    })());
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(req);
    if (hit) return hit;
    const res = await fetch(req);
    // A file of this version (?v=VERSION) never changes: the desk screens,
    // which are not precached, are kept once fetched so they open offline.
    if (res.ok && url.searchParams.get('v') === VERSION) event.waitUntil(cache.put(req, res.clone()).catch(() => {}));
    return res;
  })());
});

// Background Sync (Chromium): wake an open window, which owns the outbox
// logic and the tokens, and let it push. Without a window the sheet goes on
// the next app start; the outbox is durable in IndexedDB either way.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'fieldcheck-outbox') return;
  event.waitUntil((async () => {
    const wins = await self.clients.matchAll({ type: 'window' });
    await Promise.all(wins.map((c) => new Promise((resolve) => {
      const ch = new MessageChannel();
      // Only a wake-up: the window pushes and retries on its own. Waiting
      // long here would hold back an app update (a new version cannot take
      // over while this worker is busy with the event).
      const timer = setTimeout(resolve, 3000);
      ch.port1.onmessage = () => { clearTimeout(timer); resolve(); };
      c.postMessage({ type: 'sync' }, [ch.port2]);
    })));
  })());
});
