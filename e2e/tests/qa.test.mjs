// Issue 23: the QA reviewer's (品质保障员) day on a phone (390 px) and a
// desk, and an agent reading the review of their own call. Uses the demo's
// reviewer (qa.zheng: a week of reviews, today's queue still to work) and
// its agent (agent.liu).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login, shot, apiLogin, apiGet } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const phone = () => browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
const desk = () => browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });

async function signIn(ctx, username, ready) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', login(username).password);
  await page.click('button[type=submit]');
  await page.waitForSelector(ready, { timeout: 60000 });
  return page;
}

async function noUsernames(page) {
  const text = await page.locator('main').innerText();
  for (const u of ['qa.zheng', 'agent.liu', 'sup.east']) assert.ok(!text.includes(u), `username ${u} on screen`);
}
const fits = (page) => page.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth + 1);

let reviewed; // { task, note }

test('the reviewer works their day on a phone: the drawn queue, the mix, one review', async () => {
  const ctx = await phone();
  const page = await signIn(ctx, 'qa.zheng', '#qa-day');
  const quota = await page.getAttribute('#qa-progress', 'data-quota');
  const done = Number(await page.getAttribute('#qa-progress', 'data-done'));
  assert.equal(quota, '20');
  assert.ok(await page.locator('#qa-mix [data-mode]').count() === 3, 'the month\'s three modes against 2:7:1');
  const items = page.locator('#qa-queue .qa-item');
  assert.ok(await items.count() > 0, 'today\'s queue has calls');
  await noUsernames(page);
  assert.ok(await fits(page), 'the day fits 390 px');
  await shot(page, 'qa-day-phone');

  // The queue is stored: a reload shows the same calls.
  const before = await page.$$eval('#qa-queue .qa-item', (els) => els.map((e) => e.dataset.task));
  await page.reload();
  await page.waitForSelector('#qa-day');
  assert.deepEqual(await page.$$eval('#qa-queue .qa-item', (els) => els.map((e) => e.dataset.task)), before);

  // A call of the demo's agent (other tests may have had a supervisor record
  // a result: that call's review is not the agent's to read).
  const first = page.locator('#qa-queue .qa-item[data-agent="agent.liu"]:has(a.qa-open)').first();
  const task = await first.getAttribute('data-task');
  await first.locator('a.qa-open').click();
  await page.waitForSelector('#qa-review #qa-callview');
  await noUsernames(page);
  // Pass everything, fail the opening, submit without notes: refused with the reason.
  for (const seg of await page.locator('.qa-sheet .seg').all()) await seg.locator('[data-v=pass]').click();
  await page.locator('.qa-sheet .seg[data-item=greeting] [data-v=fail]').click();
  assert.match(await page.textContent('#qa-total'), /90/);
  await page.click('#qa-mode [data-v=recording]');
  await page.click('#qa-submit');
  await page.waitForFunction(() => document.querySelector('#qa-msg')?.textContent.trim().length > 0);
  const note = '开场请先问候并说明来意（e2e）';
  await page.fill('#qa-improvement', note);
  assert.ok(await fits(page), 'the review form fits 390 px');
  await shot(page, 'qa-review-phone');
  await page.click('#qa-submit');
  await page.waitForSelector('#qa-day');
  await page.waitForSelector(`#qa-queue .qa-item.done[data-task="${task}"]`);
  assert.equal(Number(await page.getAttribute('#qa-progress', 'data-done')), done + 1);
  reviewed = { task, note };
  await ctx.close();
});

test('the reviewer reads the reports on a desk (daily, weekly with plan)', async () => {
  const ctx = await desk();
  const page = await signIn(ctx, 'qa.zheng', '#qa-day');
  await page.click('#qa-nav-reports');
  await page.waitForSelector('#qa-rep-summary');
  assert.ok(Number(await page.getAttribute('#qa-rep-summary', 'data-count')) >= 1, 'today\'s review is in the daily report');
  await page.click('#qa-period [data-v=weekly]');
  await page.waitForSelector('#qa-rep-plan');
  await page.waitForSelector('#qa-rep-items');
  await noUsernames(page);
  await shot(page, 'qa-reports-desk');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#qa-xlsx')]);
  assert.match(download.suggestedFilename(), /^qa-weekly-.*\.xlsx$/);
  await ctx.close();
});

test('the agent reads the review of their own call and its notes', async () => {
  assert.ok(reviewed, 'the reviewer test ran first');
  const tok = await apiLogin('agent.liu');
  const mine = await apiGet(tok, '/qa/reviews?limit=500');
  const r = mine.items.find((x) => x.call.task_id === reviewed.task);
  assert.ok(r, 'the review is among the agent\'s own');
  const ctx = await phone();
  const page = await signIn(ctx, 'agent.liu', '#cb-my-reviews');
  await page.click('#cb-my-reviews');
  await page.waitForSelector('#qa-mine');
  await page.click(`#qa-mine [data-review="${r.id}"]`);
  await page.waitForSelector('#qa-mine-one');
  assert.equal((await page.textContent('#qa-mine-improvement')).trim(), reviewed.note);
  assert.match(await page.textContent('#qa-mine-score'), /90/);
  await noUsernames(page);
  assert.ok(await fits(page));
  await shot(page, 'qa-agent-review-phone');
  await ctx.close();
});

test('a calibration session lists the reviewer who strays from the median for retraining', async () => {
  const ctx = await desk();
  const page = await signIn(ctx, 'qa.zheng', '#qa-day');
  await page.click('#qa-nav-cal');
  await page.waitForSelector('#qa-cal-create');
  await noUsernames(page);
  await page.fill('#qa-cal-title', '季度校准（e2e）');
  const pick = page.locator('.card input[type=checkbox]:not([data-who])').first();
  await pick.check();
  const task = await pick.getAttribute('value');
  for (const box of await page.locator('#qa-cal-who input[data-who]').all()) await box.check();
  await page.fill('#qa-cal-tol', '5');
  await page.click('#qa-cal-create');
  await page.waitForSelector('#qa-cal');
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  // The reviewer scores the call on screen: all pass.
  const card = page.locator(`section[data-task="${task}"]`);
  await card.locator('details:not(.qa-cal-call) summary').click();
  for (const seg of await card.locator('.qa-sheet .seg').all()) await seg.locator('[data-v=pass]').click();
  await card.locator('button.primary').click();
  await page.waitForSelector(`section[data-task="${task}"] details:not(.qa-cal-call) >> nth=0`, { state: 'detached' });
  // The supervisor scores it far lower through the API.
  const sup = await apiLogin('sup.east');
  const answers = Object.fromEntries(['greeting', 'confirm', 'attitude', 'clarity', 'listening', 'script', 'accuracy', 'complaint', 'closing_words']
    .map((k, i) => [k, i < 4 ? 'fail' : 'pass']));
  const res = await fetch(BASE + `/api/v1/qa/calibrations/${encodeURIComponent(id)}/scores`, {
    method: 'POST', headers: { Authorization: 'Bearer ' + sup, 'Content-Type': 'application/json' }, body: JSON.stringify({ task_id: task, answers }) });
  assert.equal(res.status, 200, await res.text());
  await page.reload();
  await page.waitForSelector('#qa-cal-result');
  const text = await page.textContent('#qa-cal-result');
  assert.match(text, /需再培训/);
  assert.match(text, /郑雅琴/);
  await noUsernames(page);
  await shot(page, 'qa-calibration-desk');
  await ctx.close();
});
