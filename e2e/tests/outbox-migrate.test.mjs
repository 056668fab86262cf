// One outbox for the single requests (issue 13): a phone that upgrades with
// entries still waiting in the lists the app kept before — the technician's
// kv "acts" (appointment entries, unreachable attempts) and the audit's kv
// "audit.ops" (verdicts, evidence) — loses none of them. The old lists are
// written in their old shape, the app is started again, and what waited is
// on the 待发送 page, then sent once; a refused entry stays with its words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, phone, shot, swControls, pendingCount } from './lib.mjs';
import { deskUnit, uiLoginAs, call, order, noisePNG, sha256 } from './desk-fixture.mjs';

let browser, u;
before(async () => { browser = await launch(); u = await deskUnit('ob'); });
after(async () => { await browser?.close(); });

const kv = (page, key) => page.evaluate((k) => window.fieldcheck.db.kvGet(k), key);

async function offlineRestart(ctx, page) {
  await ctx.setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event('offline')));
  await page.reload();
}

test('a technician\'s appointment entries queued by the old app are sent once after the upgrade', async () => {
  const id = await order(u);
  // The first send of one entry reached the server, its reply was lost.
  const lost = crypto.randomUUID(), fresh = crypto.randomUUID(), refused = crypto.randomUUID();
  const at = new Date(Date.now() - 600e3).toISOString();
  await call(u.tok.tech, 'POST', `/workorders/${encodeURIComponent(id)}/appointments`, { event: 'made', at, key: lost });

  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await uiLoginAs(page, u.people.tech.username, `article.order[data-order="${id}"]`);
  await swControls(page);
  // What the old app (tech-visit.js, kv "acts") left on the phone.
  await page.evaluate(async ({ id, at, lost, fresh, refused }) => {
    await window.fieldcheck.db.kvSet('acts', [
      { key: lost, order_id: id, path: 'appointments', body: { event: 'made', at }, queued_at: at },
      { key: fresh, order_id: id, path: 'appointments', body: { event: 'missed', at, reason: '客户临时不在家' }, queued_at: at },
      { key: refused, order_id: id, path: 'appointments', body: { event: 'kept', at }, queued_at: at, error: '旧版本被退回的原因' },
    ]);
  }, { id, at, lost, fresh, refused });

  // The new app starts with no signal: all three wait, on the 待发送 page too.
  await offlineRestart(ctx, page);
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '3', null, { timeout: 20000 });
  assert.equal(await kv(page, 'acts'), undefined, 'the old list is gone');
  assert.equal((await kv(page, 'outbox')).filter((e) => e.kind === 'visit').length, 3, 'moved into the outbox');
  await page.click('#pending');
  await page.waitForSelector('#visit-queue article[data-act=appointments]');
  assert.equal(await page.locator('#visit-queue article').count(), 3);
  const text = await page.innerText('#visit-queue');
  assert.match(text, /测试客户[\s\S]*待发送[\s\S]*预约登记：未履约/);
  assert.match(text, /被退回[\s\S]*旧版本被退回的原因/);
  assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}/, 'no key on screen');
  await shot(page, 'outbox-migrate-01-waiting');

  // Back online: sent in order, the lost one not recorded twice; the refused
  // one stays with its words until it is discarded.
  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '1', null, { timeout: 60000 });
  const wo = await call(u.tok.sup, 'GET', '/workorders/' + encodeURIComponent(id));
  assert.deepEqual(wo.appointments.map((a) => [a.event, a.key]), [['made', lost], ['missed', fresh]], 'each entry once, in order');
  const left = await kv(page, 'outbox');
  assert.deepEqual(left.map((e) => [e.key, e.error?.message]), [[refused, '旧版本被退回的原因']]);
  await page.goto(page.url().replace(/\/outbox$/, '/orders/' + encodeURIComponent(id)));
  await page.waitForSelector('.aplist li[data-state=rejected] button');
  assert.equal(await page.locator('.aplist li[data-state=sent]').count(), 2, 'the order shows both recorded');
  await page.click('.aplist li[data-state=rejected] button');
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 20000 });
  assert.deepEqual(await kv(page, 'outbox'), []);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('an audit\'s verdict and evidence queued by the old app are sent after the upgrade', async () => {
  const audit = await call(u.tok.insp, 'POST', '/audits', { unit: u.unit, auditor_name: '测试督查', auditor_contact: '13900001111' });
  const png = noisePNG();
  const sha = sha256(png);
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await uiLoginAs(page, u.people.insp.username, 'article.store');
  await swControls(page);
  // What the old app (audit-outbox.js, kv "audit.ops") left, with the photo's bytes.
  await page.evaluate(async ({ audit, sha, b64 }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
    await window.fieldcheck.db.put('photos', { sha, type: 'image/png', bytes, uploaded: false, created_at: new Date().toISOString() });
    const at = new Date().toISOString();
    await window.fieldcheck.db.kvSet('audit.ops', [
      { id: crypto.randomUUID(), at, target: [audit, 'basic-29', 'judge', ''].join('|'), audit, item: 'basic-29', kind: 'judge', body: { ok: false, note: '现场未见公示' }, label: '稽查项', sub: '' },
      { id: crypto.randomUUID(), at, target: [audit, 'basic-29', 'evidence', sha].join('|'), audit, item: 'basic-29', kind: 'evidence', sha, ext: 'png', label: '稽查项', sub: '证据', sending: true },
    ]);
  }, { audit: audit.id, sha, b64: png.toString('base64') });

  await offlineRestart(ctx, page);
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '2', null, { timeout: 20000 });
  assert.equal(await kv(page, 'audit.ops'), undefined, 'the old list is gone');
  await page.click('#pending');
  await page.waitForSelector('article[data-audit-op]');
  assert.equal(await page.locator('article[data-audit-op]').count(), 2, 'the 待发送 page lists both');

  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 60000 });
  assert.equal(await pendingCount(page), 0);
  const a = await call(u.tok.insp, 'GET', '/audits/' + encodeURIComponent(audit.id));
  const f = a.findings['basic-29'];
  assert.equal(f.result, 'fail');
  assert.equal(f.note, '现场未见公示');
  assert.equal(f.evidence.length, 1, 'the evidence once: ' + JSON.stringify(f.evidence));
  assert.equal(f.evidence[0].sha256, sha);
  assert.deepEqual(errors, []);
  await ctx.close();
});
