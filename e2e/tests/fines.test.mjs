// The supervisor's fine review (issue 22), in a unit of its own: four orders
// of the unit break their time limits — an install days late, a VIP repair
// 2 started hours over its 4 hours (50 + 10 = 60), a removal on day 4 (10),
// and an order put on hold without a reason (第十八条, 30). Then, in
// Chromium: the dashboard links the review; the fines are listed proposed
// first with their evidence and amounts; one is confirmed, one adjusted
// within its range, one waived only with a reason; the totals follow; no
// code or internal id shows; and offline the screen says it needs a
// connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, shot } from './lib.mjs';
import { deskUnit, uiLoginAs, call, shDay } from './desk-fixture.mjs';

let browser;
let u;
const HOUR = 3600e3, DAY = 24 * HOUR;
const o = {};

async function order(kind, acceptedAt, extra = {}) {
  const id = `FN-${u.stamp}-${kind}`.toUpperCase();
  const from = new Date(acceptedAt + HOUR).toISOString();
  await call(u.tok.sup, 'POST', '/workorders', {
    id, type: extra.type || 'install', product: '宽带 300M', subscribed_mbps: 300, technician: u.people.tech.username,
    customer: { name: '测试客户', phone: '13800000009', address: '成都市锦江区测试路 9 号', tier: extra.tier || 'standard' },
    appointment: { from, to: new Date(acceptedAt + 3 * HOUR).toISOString() }, accepted_at: new Date(acceptedAt).toISOString(),
  });
  return id;
}

before(async () => {
  browser = await launch();
  u = await deskUnit('fn');
  await call(u.tok.admin, 'PUT', '/names/unit/' + encodeURIComponent(u.unit), { zh: '测试代理公司', en: 'Test agency' });
  const now = Date.now();
  const today9 = Date.parse(`${shDay(now)}T09:00:00+08:00`);
  o.install = await order('inst', today9 - 10 * DAY);
  o.vip = await order('vip', now - 5.5 * HOUR, { type: 'repair', tier: 'vip' });
  o.removal = await order('rm', today9 - 3 * DAY, { type: 'removal' });
  o.hold = await order('hold', now - HOUR);
  for (const id of [o.install, o.vip, o.removal]) await call(u.tok.sup, 'POST', `/workorders/${id}/complete`, { note: '已完成' });
  await call(u.tok.sup, 'PATCH', `/workorders/${o.hold}`, { status: 'on_hold' });
  const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date(now));
  const list = (await call(u.tok.sup, 'GET', '/fines?month=' + month)).items;
  o.month = month;
  o.fine = Object.fromEntries(list.map((f) => [f.order_id, f]));
  assert.equal(list.length, 4, 'four fines proposed: ' + JSON.stringify(list.map((f) => [f.order_id, f.proposed])));
  assert.equal(o.fine[o.vip].proposed, 60, 'VIP repair 2 started hours over: 50 + 10');
  assert.equal(o.fine[o.removal].proposed, 10, 'removal on day 4: 10');
  assert.equal(o.fine[o.hold].proposed, 30, 'hold without a reason: 30');
});
after(async () => { await browser?.close(); });

const desk = () => browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });

test('fine review: proposed first with evidence; confirm, adjust within the range, waive with a reason', async () => {
  const ctx = await desk();
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.click('#supdash a[href="/fines"]');
  await page.waitForSelector('#finereview article.fine');
  const card = (id) => page.locator(`article.fine[data-order="${id}"]`);
  assert.equal(await page.locator('article.fine[data-status="proposed"]').count(), 4, 'the four fines await review');
  const vipText = await card(o.vip).innerText();
  assert.match(vipText, /集团客户、重要客户修障超时/, 'the item in words');
  assert.match(vipText, /第二十一条/);
  assert.match(vipText, /超时 2 小时/);
  assert.match(vipText, /60 元/);
  assert.match(vipText, /测试师傅/, 'the technician by name');
  assert.match(await card(o.hold).innerText(), /缓（待）装工单未注明原因/);
  const summary = page.locator('#fnsummary');
  assert.match(await summary.innerText(), /测试代理公司/);
  await shot(page, 'fines-01-review');

  // Confirm the VIP repair's 60 yuan.
  await card(o.vip).locator('[data-act="confirm"]').click();
  await page.waitForSelector(`[data-filter="proposed"][aria-selected="true"]`);
  await page.waitForFunction((id) => !document.querySelector(`article.fine[data-order="${id}"]`), o.vip);
  // Adjust the install outside its range: refused on the screen, then within it.
  const inst = o.fine[o.install];
  await card(o.install).locator('[data-act="adjust"]').click();
  await card(o.install).locator('input[name="amount"]').fill(String(inst.max + 1));
  await card(o.install).locator('[data-act="save"]').click();
  assert.match(await card(o.install).locator('[role="alert"]').innerText(), /金额须在/);
  await card(o.install).locator('input[name="amount"]').fill(String(inst.min + 10));
  await card(o.install).locator('input[name="reason"]').fill('多次催装未处理');
  await card(o.install).locator('[data-act="save"]').click();
  await page.waitForFunction((id) => !document.querySelector(`article.fine[data-order="${id}"]`), o.install);
  // Waive the removal: a reason is required.
  await card(o.removal).locator('[data-act="waive"]').click();
  await card(o.removal).locator('[data-act="save"]').click();
  assert.match(await card(o.removal).locator('[role="alert"]').innerText(), /免罚须填写理由/);
  await card(o.removal).locator('input[name="reason"]').fill('客户要求延后拆机，已核实');
  await card(o.removal).locator('[data-act="save"]').click();
  await page.waitForFunction((id) => !document.querySelector(`article.fine[data-order="${id}"]`), o.removal);

  const after = Object.fromEntries((await call(u.tok.sup, 'GET', '/fines?month=' + o.month)).items.map((f) => [f.order_id, f]));
  assert.equal(after[o.vip].status, 'confirmed');
  assert.equal(after[o.vip].amount, 60);
  assert.equal(after[o.install].status, 'confirmed');
  assert.equal(after[o.install].amount, inst.min + 10);
  assert.equal(after[o.install].reason, '多次催装未处理');
  assert.equal(after[o.removal].status, 'waived');
  assert.equal(after[o.hold].status, 'proposed');
  // The totals follow: 1 left to review (30), 2 confirmed.
  await page.waitForFunction(() => /待审核 1 笔，30 元/.test(document.querySelector('#fnsummary')?.innerText || ''));
  assert.match(await summary.innerText(), new RegExp(`已确认 2 笔，${60 + inst.min + 10} 元`));
  await page.click('[data-filter="confirmed"]');
  assert.equal(await page.locator('article.fine[data-status="confirmed"]').count(), 2);
  await shot(page, 'fines-02-confirmed');

  // No code or internal id on the screen.
  const text = await page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(text, /\bfn-\d{6,}/, 'a fine id shows');
  assert.doesNotMatch(text, /\bart\d{2}_/, 'a catalogue code shows');
  assert.ok(!text.includes(u.unit), 'the unit code shows');
  assert.ok(!text.includes(u.people.tech.username), 'a username shows');
  // The audit log has each decision.
  const audit = (await call(u.tok.admin, 'GET', '/audit?limit=5000')).items.map((e) => e.action);
  for (const a of ['fine.confirm', 'fine.adjust', 'fine.waive']) assert.ok(audit.includes(a), a + ' audited');
  assert.deepEqual(errors, []);

  // Online-only: without a connection the screen says so.
  await ctx.setOffline(true);
  await page.goto(BASE + '/fines').catch(() => {});
  await page.waitForSelector('[data-offline]', { timeout: 15000 });
  await ctx.close();
});

test('the technician card shows the time left, and overdue orders lead the supervisor list', async () => {
  const ctx = await desk();
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  const late = await order('late', Date.now() - 10 * DAY);
  await page.goto(BASE + '/wo');
  await page.waitForSelector('.wolist .woitem');
  const first = page.locator('.wolist .woitem').first();
  assert.equal(await first.getAttribute('data-wo'), late, 'the overdue order comes first');
  assert.match(await first.innerText(), /已超时/);
  await ctx.close();
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const tp = await phone.newPage();
  await uiLoginAs(tp, u.people.tech.username, 'article.order');
  const lateCard = tp.locator(`article.order[data-order="${late}"] .sla`);
  assert.match(await lateCard.innerText(), /已超时 \d+ 天/);
  assert.match(await tp.locator(`article.order[data-order="${o.hold}"] .sla`).innerText(), /缓装中，时限暂停/);
  await phone.close();
});
