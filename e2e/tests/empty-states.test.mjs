// Empty lists say so (issue 13's leftovers of 14): in a unit of its own with
// no plan and no callback, the plans console's 待检 card, the inspector's
// 应检任务 and the agent's queue each show a line saying there is nothing,
// rather than a heading over nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, phone, shot } from './lib.mjs';
import { deskUnit, uiLoginAs } from './desk-fixture.mjs';

let browser, u;
before(async () => { browser = await launch(); u = await deskUnit('empty'); });
after(async () => { await browser?.close(); });

test('the plans console says when nothing is due', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.goto(BASE + '/console/plans');
  await page.waitForSelector('#plans #duewins');
  assert.equal(await page.locator('#duewins li').count(), 0);
  assert.equal((await page.textContent('#duewins p.muted')).trim(), '目前没有待检的计划');
  assert.equal((await page.textContent('#plans #overdue p.muted')).trim(), '没有逾期未检的计划');
  await shot(page, 'empty-01-plans');
  await ctx.close();
});

test('the inspector\'s home says when no inspection is due', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.insp.username, 'article.store');
  await page.waitForSelector('#due-none');
  assert.equal((await page.textContent('#due-none')).trim(), '目前没有应检任务');
  assert.equal(await page.locator('#due article').count(), 0);
  await shot(page, 'empty-02-inspector');
  await ctx.close();
});

test('the agent\'s queue says when there is nobody to call', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.agent.username, '#cb-next:not([disabled])');
  await page.waitForSelector('#cb-none');
  assert.equal((await page.textContent('#cb-none')).trim(), '队列中暂时没有可回访的任务');
  assert.equal(await page.getAttribute('[data-counter=ready]', 'data-value'), '0');
  await shot(page, 'empty-03-agent');
  await ctx.close();
});
