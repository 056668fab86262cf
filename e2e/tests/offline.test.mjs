// A technician signs off an acceptance sheet on a phone with no signal
// (issue 7): offline fill-in, reload, automatic sync, and the server's view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  BASE, launch, phone, shot, uiLogin, fillAcceptance, storedPhotos, pendingCount,
  apiLogin, apiGet, sha256, loginOfRole,
} from './lib.mjs';

const FIX = (n) => path.resolve('fixtures', `site-${n}.jpg`);
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// localSheet is the sheet as the phone keeps it (what it sent).
// The signature answer is {sha256, strokes, w, h} (the strokes kept as
// evidence); its image is referenced by sha256.
const sigSha = (a) => (typeof a === 'string' ? a : a?.sha256);
const localSheet = (page, id) => page.evaluate((i) => window.fieldcheck.db.get('sheets', i), id);

// meter sums what the network delivered for shell files (not the API,
// not health pings), split into the service worker script and the rest.
function meter(ctx) {
  const m = { shell: 0, sw: 0, api: 0, list: [] };
  ctx.on('requestfinished', async (req) => {
    const res = await req.response();
    if (!res || res.fromServiceWorker()) return;
    const sizes = await req.sizes().catch(() => null);
    if (!sizes) return;
    const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
    const u = new URL(req.url());
    if (u.pathname.startsWith('/api/') || u.pathname === '/healthz') { m.api += bytes; return; }
    if (u.pathname === '/sw.js') m.sw += bytes; else m.shell += bytes;
    m.list.push(`${res.status()} ${u.pathname}${u.search} ${bytes}`);
  });
  return m;
}

test('first load fits the budget and a repeat load fetches no shell bytes', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const first = meter(ctx);
  await page.goto(BASE + '/login');
  await page.waitForSelector('form.login');
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
  await page.waitForTimeout(500);
  const firstTotal = first.shell + first.sw;
  console.log(`first load: ${firstTotal} bytes transferred (shell ${first.shell} + sw.js ${first.sw}), requests:\n  ` + first.list.join('\n  '));
  ctx.removeAllListeners('requestfinished');
  const rep = meter(ctx);
  await page.reload();
  await page.waitForSelector('form.login');
  await page.waitForTimeout(500);
  const resources = await page.evaluate(() => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
    .filter((e) => !e.name.includes('/api/') && !e.name.includes('/healthz')).map((e) => [e.name, e.transferSize]));
  console.log(`repeat load: ${rep.shell} shell bytes from the network (sw.js update check ${rep.sw}); page entries: ${JSON.stringify(resources)}`);
  await shot(page, '01-login');
  assert.ok(firstTotal <= 150 * 1024, `first load ${firstTotal} bytes > 150 KB`);
  assert.equal(rep.shell, 0, 'repeat load fetched shell bytes: ' + rep.list.join(', '));
  await ctx.close();
});

test('offline acceptance with photos, signature and manual speed test syncs by itself', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await uiLogin(page, 'tech.zhang');
  const orderId = await page.getAttribute('article.order >> nth=0', 'data-order');
  assert.ok(orderId, 'an order for today');
  await shot(page, '02-orders');

  await ctx.setOffline(true);
  await page.click(`article.order[data-order="${orderId}"] a.btn.primary`);
  await page.waitForSelector('.checklist .item');
  await fillAcceptance(page, [FIX(1), FIX(2), FIX(3)], { downMbps: 312.4 });
  assert.ok(await page.locator('.judge.ok').count() >= 1, 'speed test judged against subscribed × min_ratio');
  await shot(page, '03-sheet-filled-offline');
  await page.click('#submit');
  await page.waitForSelector('[data-state="queued"]');
  const sheetId = page.url().split('/').pop();
  assert.equal(await pendingCount(page), 1);

  // Works at 360 px: nothing sticks out sideways.
  await page.setViewportSize({ width: 360, height: 780 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll at 360 px');
  await shot(page, '03b-sheet-360px');
  await page.setViewportSize({ width: 390, height: 844 });

  // Logging out would wipe the phone: refused while anything is unsent.
  await page.click('header a[href="/settings"]');
  await page.click('#logout');
  await page.waitForSelector('.err:has-text("不能退出")');
  await shot(page, '03c-logout-refused');
  await page.goBack();
  await page.waitForSelector('.checklist .item');

  // Reload with no network: the shell comes from the service worker, the
  // sheet and its photos from IndexedDB.
  await page.reload();
  await page.waitForSelector('.checklist .item');
  assert.equal(await page.getAttribute('.state', 'data-state'), 'queued');
  assert.equal(await pendingCount(page), 1);
  const shas = await page.$$eval('img[data-sha]', (els) => els.map((e) => e.dataset.sha));
  assert.equal(shas.length, 3, 'three photos still on the phone');
  await page.waitForFunction(() => [...document.querySelectorAll('img[data-sha], img.sigimg')].every((i) => i.complete && i.naturalWidth > 0));
  assert.equal(await page.locator('img.sigimg').count(), 1, 'signature still there');
  await page.waitForSelector('.speed');
  await shot(page, '04-reloaded-offline');

  // Back online: no tap, it sends by itself.
  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 90000 });
  await page.waitForSelector('[data-state="sent"]', { timeout: 30000 });
  await shot(page, '05-synced');

  // What the server holds.
  const tech = await apiLogin('tech.zhang');
  const sub = await apiGet(tech, '/submissions/' + sheetId);
  assert.equal(sub.subject.workorder_id, orderId);
  assert.equal(sub.complete, true, 'complete: ' + JSON.stringify(sub.missing_photos));
  const list = await apiGet(tech, '/submissions?workorder_id=' + encodeURIComponent(orderId));
  assert.equal(list.items.length, 1, 'exactly one submission for the order');
  const stored = await storedPhotos(page);
  const local = await localSheet(page, sheetId);
  const refs = [...Object.values(local.photos).flat(), sigSha(local.answers.customer_signature)];
  assert.equal(refs.length, 4, 'three photos and the signature');
  for (const sha of refs) {
    assert.ok(stored[sha], 'phone kept ' + sha);
    assert.equal(sha256(Buffer.from(stored[sha].b64, 'base64')), sha, 'phone bytes hash to their name');
    const res = await apiGet(tech, '/photos/' + sha, { raw: true });
    assert.equal(res.status, 200, 'server serves ' + sha);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha, 'server bytes are byte-identical');
  }
  assert.deepEqual(sub.answers.customer_signature, local.answers.customer_signature, 'the signature and its strokes as drawn');
  assert.ok(local.answers.customer_signature.strokes.length >= 1, 'the strokes travel with the signature');
  const meta = Object.values(sub.photo_meta || {});
  assert.ok(meta.some((m) => m.lat && m.taken_at), 'EXIF time and GPS travelled in photo_meta');

  const sup = loginOfRole('supervisor');
  const tok = await apiLogin(sup.username);
  const cbs = await apiGet(tok, '/callbacks?workorder_id=' + encodeURIComponent(orderId));
  assert.equal(cbs.items.filter((c) => c.workorder_id === orderId).length, 1, 'one callback task');
  await ctx.close();
  assert.deepEqual(sub.photos, local.photos, 'the server returns the per-item photos map it was sent');

});

test('network dies mid-upload and a push reply is lost: nothing lost, nothing doubled', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLogin(page, 'tech.li');
  const orderId = await page.getAttribute('article.order >> nth=0', 'data-order');
  await ctx.setOffline(true);
  await page.click(`article.order[data-order="${orderId}"] a.btn.primary`);
  await page.waitForSelector('.checklist .item');
  await fillAcceptance(page, [FIX(4), FIX(5), FIX(6)], { downMbps: 480 });
  await page.click('#submit');
  await page.waitForSelector('[data-state="queued"]');
  const sheetId = page.url().split('/').pop();

  let putsAborted = 0, pushesDropped = 0, pushes = 0;
  await page.route('**/api/v1/photos/*', async (route) => {
    if (route.request().method() === 'PUT' && putsAborted === 0) { putsAborted++; return route.abort('connectionreset'); }
    return route.continue();
  });
  await page.route('**/api/v1/sync/push', async (route) => {
    pushes++;
    if (pushesDropped === 0) {
      // The server gets and stores the push; the phone never hears back.
      await route.fetch();
      pushesDropped++;
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 120000 });
  await page.waitForSelector('[data-state="sent"]', { timeout: 30000 });
  await shot(page, '06-recovered-after-cut');
  assert.equal(putsAborted, 1);
  assert.equal(pushesDropped, 1);
  assert.ok(pushes >= 2, 'the lost push was sent again');

  const tech = await apiLogin('tech.li');
  const list = await apiGet(tech, '/submissions?workorder_id=' + encodeURIComponent(orderId));
  assert.equal(list.items.length, 1, 'one submission, not two');
  const sub = await apiGet(tech, '/submissions/' + sheetId);
  assert.equal(sub.version, 1, 'the retried push was a duplicate, not a new version');
  assert.equal(sub.complete, true);
  const local = await localSheet(page, sheetId);
  for (const sha of [...Object.values(local.photos).flat(), sigSha(local.answers.customer_signature)]) {
    const res = await apiGet(tech, '/photos/' + sha, { raw: true });
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha);
  }
  const sup = loginOfRole('supervisor');
  const cbs = await apiGet(await apiLogin(sup.username), '/callbacks?workorder_id=' + encodeURIComponent(orderId));
  assert.equal(cbs.items.filter((c) => c.workorder_id === orderId).length, 1, 'one callback task, not two');
  await ctx.close();
  assert.deepEqual(sub.photos, local.photos, 'the server returns the per-item photos map it was sent');

});
