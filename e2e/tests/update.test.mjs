// App updates (issue 14): a new version waits while a sheet is edited; it is
// applied on the next navigation (the screen left saves first) and at the next
// start, and the 有新版本 banner does not come back on every reload; a tap on
// the banner applies it too. An upgrade with a queued sheet and a draft on the
// phone loses neither.
//
// Before the fix the navigation left the new version waiting for minutes:
// Chromium activates it only once the old worker has stopped, and the next
// screen's requests restarted the old worker while it was stopping (see
// pwa/static/js/update.js). The app now applies a waiting version at start,
// before it draws or syncs anything.
//
// A new version is made by a small proxy in front of the test server that
// appends a comment to /sw.js once told to: to the browser that is a new
// service worker, exactly as a deploy would be.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { BASE, launch, phone, login, fillAcceptance, apiLogin, apiGet } from './lib.mjs';

const TECH = 'tech.li';
const FIX = (n) => path.resolve('fixtures', `site-${n}.jpg`);
let browser, proxy;

function startProxy(target) {
  const up = new URL(target);
  const state = { build: 1, failPush: false };
  const server = http.createServer((req, res) => {
    // A push that does not get through, as a dropped link does it: the
    // connection is reset by the proxy (closer to the field than page.route).
    if (state.failPush && req.url.startsWith('/api/v1/sync/push')) { req.socket.destroy(); return; }
    const sw = req.url.split('?')[0] === '/sw.js';
    const headers = { ...req.headers };
    if (sw && state.build > 1) {
      delete headers['if-none-match']; delete headers['if-modified-since'];
      headers['accept-encoding'] = 'identity';
    }
    const preq = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (pres) => {
      if (!sw || state.build === 1) { res.writeHead(pres.statusCode, pres.headers); pres.pipe(res); return; }
      const chunks = [];
      pres.on('data', (c) => chunks.push(c));
      pres.on('end', () => {
        const body = Buffer.concat([...chunks, Buffer.from(`\n// build ${state.build}\n`)]);
        const h = { ...pres.headers };
        delete h.etag; delete h['content-encoding'];
        h['content-length'] = String(body.length);
        h['cache-control'] = 'no-cache';
        res.writeHead(pres.statusCode, h);
        res.end(body);
      });
    });
    preq.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(preq);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, state, base: `http://127.0.0.1:${server.address().port}` })));
}

before(async () => { browser = await launch(); proxy = await startProxy(BASE); });
after(async () => { await browser?.close(); proxy?.server.close(); });

const sheets = (page) => page.evaluate(() => window.fieldcheck.db.all('sheets'));
// newVersion makes the proxy serve a changed sw.js and has the page look for it.
async function newVersion(page, build) {
  proxy.state.build = build;
  await page.evaluate(async () => { const reg = await navigator.serviceWorker.getRegistration(); await reg.update(); });
}
// settled waits (through the reloads an update causes) until no new version
// is waiting or installing and the page is controlled.
async function settled(page) {
  for (let i = 0; i < 60; i++) {
    const st = await swState(page).catch(() => null); // null while the page reloads
    if (st && !st.waiting && !st.installing && st.controlled) return st;
    await new Promise((r) => setTimeout(r, 500));
  }
  return swState(page);
}
const swState = (page) => page.evaluate(async () => {
  const reg = await navigator.serviceWorker.getRegistration();
  return { waiting: !!reg.waiting, installing: !!reg.installing, controlled: !!navigator.serviceWorker.controller, banner: !!document.getElementById('update') };
});

test('an update waits while a sheet is edited, applies on the next navigation and at start; a queued sheet and a draft survive it', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  const P = proxy.base;
  // Two orders of its own for this test (other files fill in the demo's).
  const sup = await apiLogin('sup.east');
  const stamp = Date.now().toString(36).toUpperCase();
  const made = [`UPD${stamp}-A`, `UPD${stamp}-B`];
  for (const id of made) {
    const res = await fetch(BASE + '/api/v1/workorders', { method: 'POST', headers: { Authorization: 'Bearer ' + sup, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id, type: 'install', product: 'broadband', subscribed_mbps: 300, technician: TECH,
        customer: { name: '升级测试客户', phone: '13912340001', address: '成都市锦江区东大街测试段2号', tier: 'standard' },
        appointment: { from: new Date(Date.now() + 1800e3).toISOString(), to: new Date(Date.now() + 5400e3).toISOString() } }) });
    assert.equal(res.status, 201, await res.text());
  }
  await page.goto(P + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', TECH);
  await page.fill('input[name=password]', login(TECH).password);
  await page.click('button[type=submit]');
  await page.waitForSelector('article.order', { timeout: 30000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
  const [queuedWo, draftWo] = made;
  await page.waitForSelector(`article.order[data-order="${draftWo}"]`);

  // A queued sheet: filled and submitted while pushes do not get through.
  proxy.state.failPush = true;
  await page.click(`article.order[data-order="${queuedWo}"] a.btn.primary`);
  await page.waitForSelector('.checklist .item');
  await fillAcceptance(page, [FIX(4), FIX(5), FIX(6)], { downMbps: 450 });
  await page.click('#submit');
  await page.waitForSelector('[data-state="queued"]');
  const queuedId = page.url().split('/').pop();

  // A draft, open on screen.
  await page.goto(P + '/orders/' + encodeURIComponent(draftWo));
  await page.waitForSelector('.checklist .item');
  await page.fill('.item[data-item="splitter_location"] textarea', '楼道弱电箱 / corridor box');
  await page.waitForURL('**/sheet/*');
  const draftId = page.url().split('/').pop();

  // A new version arrives while the draft is being edited: it waits.
  await page.evaluate(() => { window.e2eMarker = 1; });
  await newVersion(page, 2);
  await page.waitForSelector('#update', { timeout: 30000 });
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => window.e2eMarker), 1, 'no reload under a sheet being edited');
  assert.equal(await page.inputValue('.item[data-item="splitter_location"] textarea'), '楼道弱电箱 / corridor box');

  // The next navigation applies it (after the draft is saved).
  await page.click('a.btn.small:has-text("返回")');
  await settled(page);
  await page.waitForSelector('article.order');
  assert.equal(await page.evaluate(() => window.e2eMarker), undefined, 'the page reloaded into the new version');
  assert.deepEqual(await swState(page), { waiting: false, installing: false, controlled: true, banner: false });
  await page.reload();
  await page.waitForSelector('article.order');
  await page.waitForTimeout(1000);
  assert.equal((await swState(page)).banner, false, 'no banner after a reload');

  // Another version, then a plain reload: the start applies it, once.
  await newVersion(page, 3);
  await page.waitForSelector('#update', { timeout: 30000 });
  await page.reload();
  await settled(page);
  await page.waitForSelector('article.order');
  await page.waitForTimeout(1000);
  assert.deepEqual(await swState(page), { waiting: false, installing: false, controlled: true, banner: false }, 'the reload took the new version');
  await page.reload();
  await page.waitForSelector('article.order');
  await page.waitForTimeout(1000);
  assert.equal((await swState(page)).banner, false, 'and the banner does not come back');

  // A tap on the banner while the draft is open: what was typed is saved,
  // then the page reloads into the new version.
  await page.goto(P + '/sheet/' + draftId);
  await page.waitForSelector('.checklist .item');
  await newVersion(page, 4);
  await page.waitForSelector('#update', { timeout: 30000 });
  await page.fill('.item[data-item="splitter_location"] textarea', '楼道弱电箱 3 号 / corridor box 3');
  await page.evaluate(() => { window.e2eMarker = 4; });
  await page.click('#update button');
  await settled(page);
  await page.waitForSelector('.checklist .item');
  assert.equal(await page.evaluate(() => window.e2eMarker), undefined, 'the tap reloaded the page');
  assert.deepEqual(await swState(page), { waiting: false, installing: false, controlled: true, banner: false });
  assert.equal(await page.inputValue('.item[data-item="splitter_location"] textarea'), '楼道弱电箱 3 号 / corridor box 3');

  // Nothing lost: the queued sheet and the draft, then the queued one is sent.
  const kept = Object.fromEntries((await sheets(page)).map((s) => [s.id, s]));
  assert.equal(kept[queuedId]?.state, 'queued');
  assert.equal(kept[draftId]?.state, 'draft');
  assert.equal(kept[draftId].answers.splitter_location, '楼道弱电箱 3 号 / corridor box 3');
  proxy.state.failPush = false;
  await page.evaluate(() => window.fieldcheck.sync.syncNow('e2e'));
  await page.waitForFunction((id) => window.fieldcheck.db.get('sheets', id).then((s) => s.state === 'sent'), queuedId, { timeout: 60000, polling: 500 });
  const sub = await apiGet(await apiLogin(TECH), '/submissions/' + queuedId);
  assert.equal(sub.subject.workorder_id, queuedWo);
  assert.equal(sub.complete, true);
  await ctx.close();
});
