// The audits of issue 20 on a phone (390×844), in a unit of their own.
// An enterprise service audit (seed 000): started and its 工单抽查 sample
// drawn online, then with no signal the app is reopened from the phone, the
// sampled orders are judged (one does not conform), another item judged and
// a photo kept as evidence; back online the outbox sends it all and the
// server holds exactly that (the item fails on the one bad order, the photo
// is named by the seed's rule). A mystery visit (暗访): started from the
// inspector's home with no signal, the screen says it is a 暗访, sent once
// online; until then the store's supervisor sees nothing of it. No code,
// username or internal id shows on the screens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, launch, phone, shot, swControls, pendingCount } from './lib.mjs';
import { deskUnit, uiLoginAs, call } from './desk-fixture.mjs';

const FIX = (n) => path.resolve('fixtures', `site-${n}.jpg`);
const LINES = ['带宽型', '专线', '物联网'];
let browser;
let u;
const orders = {}; // line → order id
let filed = ''; // the audit the phone test filed

before(async () => {
  browser = await launch();
  u = await deskUnit('au');
  await call(u.tok.admin, 'PUT', '/names/unit/' + encodeURIComponent(u.unit), { zh: '测试政企分公司', en: 'Test enterprise branch' });
  // One enterprise order of each line the delivery-report item samples,
  // finished just now: each line has exactly one candidate.
  let i = 0;
  for (const line of LINES) {
    const id = `AU${u.stamp.toUpperCase()}-${++i}`;
    const from = new Date(Date.now() - 5 * 3600e3);
    await call(u.tok.sup, 'POST', '/workorders', {
      id, type: 'install', product: '互联网专线 100M', subscribed_mbps: 100, technician: u.people.tech.username, line,
      customer: { name: '测试企业', phone: '13800000011', address: '成都市锦江区测试路 11 号', tier: 'standard', kind: 'enterprise' },
      appointment: { from: from.toISOString(), to: new Date(from.getTime() + 3600e3).toISOString() },
    });
    await call(u.tok.sup, 'POST', `/workorders/${id}/complete`, { note: '已竣工' });
    orders[line] = id;
  }
});
after(async () => { await browser?.close(); });

// noCodes: the screen's text holds no unit code, username or audit id.
async function noCodes(page, extra = []) {
  const text = await page.evaluate(() => document.body.innerText);
  for (const code of [u.unit, ...Object.values(u.people).map((p) => p.username), ...extra]) {
    assert.ok(!text.includes(code), `"${code}" shows on ${await page.evaluate(() => location.pathname)}`);
  }
  assert.doesNotMatch(text, /\bAU-[0-9a-f]{6,}/, 'an audit id shows');
  assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}/, 'a uuid shows');
}

async function goOffline(ctx, page) {
  await ctx.setOffline(true);
  // The app learns it at its next request; ask it now as the offline event does.
  await page.evaluate(() => window.dispatchEvent(new Event('offline')));
}

test('an enterprise audit on a phone: drawn online, judged with a photo offline, sent once back online', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await uiLoginAs(page, u.people.insp.username, 'article.store');
  await swControls(page);
  await page.waitForSelector('#audits');

  // Start the audit of the unit: everything claimed but 用户级关怀回馈.
  await page.click('#audits');
  await page.waitForSelector('#au-new');
  await page.click('#au-new');
  await page.waitForSelector('#au-form');
  assert.equal(await page.inputValue('#au-form select[name=unit]'), u.unit);
  assert.equal(await page.inputValue('#au-form input[name=auditor_name]'), '测试督查');
  await page.fill('#au-form input[name=auditor_contact]', '13900001111');
  await page.uncheck('#au-claims [data-item="common-21"] input');
  await noCodes(page);
  await shot(page, 'audits-01-new');
  await page.click('#au-form button[type=submit]');
  await page.waitForURL(/\/audits\/AU-/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  await page.waitForSelector('.au-item[data-item="basic-22"]');
  assert.equal(await page.getAttribute('.au-item[data-item="common-21"]', 'data-result'), 'not_applicable');
  // The 方案 time-limit item shows what the server computed.
  assert.ok(await page.locator('.au-item[data-item="basic-4"] .au-timely').count(), 'the time-limit item shows its rate');

  // The server draws the sample: one order per line, from one candidate each.
  await page.click('.au-item[data-item="basic-22"] .au-draw');
  await page.waitForSelector('.au-item[data-item="basic-22"] .au-order');
  const lines = await page.$$eval('.au-item[data-item="basic-22"] .au-draw-line', (els) => els.map((e) => [e.dataset.line, e.dataset.candidates, e.dataset.short]));
  assert.deepEqual(lines, LINES.map((l) => [l, '1', 'false']));
  const drawn = await page.$$eval('.au-item[data-item="basic-22"] .au-order', (els) => els.map((e) => e.dataset.order));
  assert.deepEqual(drawn.sort(), Object.values(orders).sort());
  await noCodes(page, [id]);

  // No signal; the app is opened again from the phone alone.
  await goOffline(ctx, page);
  await page.reload();
  await page.waitForSelector('#au-offline');
  await page.waitForSelector('.au-item[data-item="basic-22"] .au-order');
  const bad = orders['专线'];
  for (const o of drawn) await page.click(`.au-order[data-order="${o}"] button[data-value="${o !== bad}"]`);
  await page.fill(`.au-order[data-order="${bad}"] textarea`, '缺少测试报告');
  await page.press(`.au-order[data-order="${bad}"] textarea`, 'Tab');
  await page.click('.au-item[data-item="basic-29"] button[data-value="true"]');
  await page.setInputFiles('.au-item[data-item="basic-22"] input[data-pick]', FIX(1));
  await page.waitForSelector('.au-item[data-item="basic-22"] figure[data-unsent="true"] img[src]');
  assert.equal(await page.getAttribute('.au-item[data-item="basic-22"]', 'data-result'), 'fail', 'one bad order fails the item on the phone too');
  await page.waitForFunction(() => Number(document.querySelector('#pending')?.dataset.count) === 5, null, { timeout: 10000 });
  assert.equal(await pendingCount(page), 5, '4 verdicts and a photo wait');
  await shot(page, 'audits-02-offline');
  // Nothing reached the server yet.
  const before = await call(u.tok.insp, 'GET', '/audits/' + encodeURIComponent(id));
  assert.deepEqual(before.findings, {});
  // The 待发送 page lists them, by the item and the order they judge.
  await page.click('#pending');
  await page.waitForSelector('article[data-audit-op]');
  assert.equal(await page.locator('article[data-audit-op]').count(), 5, 'the outbox page lists what the audit has waiting');
  await noCodes(page, [id]);
  await page.goBack();
  await page.waitForSelector('.au-item[data-item="basic-22"] .au-order');

  // Back online: the outbox sends it all by itself.
  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 90000 });
  const a = await call(u.tok.insp, 'GET', '/audits/' + encodeURIComponent(id));
  const f = a.findings['basic-22'];
  assert.equal(Object.keys(f.orders).length, 3);
  for (const o of drawn) assert.equal(f.orders[o].ok, o !== bad);
  assert.equal(f.orders[bad].note, '缺少测试报告');
  assert.equal(f.evidence.length, 1);
  assert.equal(f.evidence[0].name, '基础类_22_验收交付_客户交付_交付报告_1');
  assert.equal(a.findings['basic-29'].result, 'pass');
  const r = await call(u.tok.insp, 'GET', '/audits/' + encodeURIComponent(id) + '/results');
  const got = Object.fromEntries(r.items.map((x) => [x.item.id, x.result]));
  assert.equal(got['basic-22'], 'fail');
  assert.equal(got['basic-29'], 'pass');
  assert.equal(got['common-21'], 'not_applicable');
  // The screen shows the server's word once sent.
  await page.waitForSelector('.au-item[data-item="basic-22"] figcaption:has-text("基础类_22_验收交付_客户交付_交付报告_1")');
  await noCodes(page, [id]);

  // File it and download the report.
  page.on('dialog', (d) => d.accept());
  await page.fill('#au-file textarea', '补齐专线交付文档');
  await page.click('#au-file-btn');
  await page.waitForSelector('#au-head[data-status="filed"]');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#au-report button[data-format="xlsx"]')]);
  assert.match(dl.suggestedFilename(), /\.xlsx$/);
  await shot(page, 'audits-03-filed');
  filed = id;
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a mystery visit on a phone with no signal: says 暗访, kept on the phone until sent, then scored', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await uiLoginAs(page, u.people.insp.username, 'article.store');
  await swControls(page);
  await page.waitForSelector('#mystery article.mystery[data-template="hotline_mystery_call"]');

  await goOffline(ctx, page);
  await page.reload();
  await page.waitForSelector('#mystery article.mystery[data-template="store_mystery_visit"]');
  await page.selectOption('#mystery select[data-template="store_mystery_visit"]', u.store.id);
  await page.click('#mystery article[data-template="store_mystery_visit"] button');
  await page.waitForSelector('#mystery-note');
  assert.match(await page.textContent('main h2'), /暗访/);
  for (const item of ['greeting', 'attitude', 'queue', 'comment_book']) await page.click(`.item[data-item="${item}"] button[data-value="pass"]`);
  await page.click('.item[data-item="no_forbidden_phrases"] button[data-value="fail"]');
  await page.setInputFiles('.item[data-item="photos"] input[data-pick]', FIX(2));
  await page.waitForSelector('.item[data-item="photos"] img[data-sha]');
  await noCodes(page);
  await shot(page, 'audits-04-mystery');
  await page.click('#submit');
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '1', null, { timeout: 10000 });

  // Before it is sent the store's side knows nothing of it.
  const seen = await call(u.tok.sup, 'GET', '/submissions?store_id=' + encodeURIComponent(u.store.id));
  assert.equal(seen.items.length, 0, 'the supervisor sees no visit before it is filed');
  const windows = await call(u.tok.sup, 'GET', '/plan-windows');
  assert.equal((windows.items || []).length, 0, 'no schedule tells the store a visit is coming');

  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 90000 });
  const list = (await call(u.tok.sup, 'GET', '/submissions?store_id=' + encodeURIComponent(u.store.id))).items;
  assert.equal(list.length, 1);
  assert.equal(list[0].template_id, 'store_mystery_visit');
  assert.equal(list[0].score, 80, 'a forbidden phrase costs its 20 points');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('on a desk the unit’s supervisor finds the filed audit from the console and downloads the zip', async () => {
  assert.ok(filed, 'the phone test filed an audit');
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.goto(BASE + '/console');
  await page.click('#cmore a[href="/audits"]');
  await page.click(`a.au-card[data-audit="${filed}"]`);
  await page.waitForSelector('#au-head[data-status="filed"]');
  assert.equal(await page.getAttribute('.au-item[data-item="basic-22"]', 'data-result'), 'fail');
  assert.match(await page.textContent('#au-head'), /测试政企分公司/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#au-report button[data-format="zip"]')]);
  assert.match(dl.suggestedFilename(), /\.zip$/);
  await noCodes(page, [filed]);
  await shot(page, 'audits-05-desk');

  // The supervisor audits their own unit at the desk: a verdict is sent at once (no sync rounds on a desk).
  await page.goto(BASE + '/audits/new');
  await page.fill('#au-form input[name=auditor_contact]', '13900002222');
  await page.click('#au-form button[type=submit]');
  await page.waitForURL(/\/audits\/AU-/);
  const mine = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  await page.click('.au-item[data-item="basic-1"] button[data-value="false"]');
  await page.waitForSelector('.au-item[data-item="basic-1"][data-result="fail"]');
  for (let i = 0; i < 50; i++) {
    const a = await call(u.tok.sup, 'GET', '/audits/' + encodeURIComponent(mine));
    if (a.findings['basic-1']) { assert.equal(a.findings['basic-1'].result, 'fail'); break; }
    assert.ok(i < 49, 'the desk verdict reached the server');
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(errors, []);
  await ctx.close();
});
