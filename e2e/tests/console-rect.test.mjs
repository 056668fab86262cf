// The console's 整改 (rectifications), issue 16, on a desk (1280×800): a
// walkthrough with deductions opens one for the unit; the supervisor sees
// it under their unit with its count, names who carries it out, tries to
// resolve without a note (the field says so, nothing saved), resolves it
// with a note and a photo and sees it leave the open list, then reopens it
// with a reason (a stale version is a 409 with what changed). A supervisor
// of another unit sees nothing of it; the admin sees it among every unit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, launch, shot, SHOTS_DIR } from './lib.mjs';
import { deskUnit, call, uiLoginAs, noisePNG } from './desk-fixture.mjs';
import { desk, adminLogin, nameUnit, rename } from './console-lib.mjs';

let browser;
let u; let other; let rect;

before(async () => {
  browser = await launch();
  [u, other] = await Promise.all([deskUnit('cx'), deskUnit('cy')]);
  await nameUnit(u, '整改测试一班', 'Rect team 1');
  await nameUnit(other, '整改测试二班', 'Rect team 2');
  await rename(u, '整改');
  await rename(other, '别组');
  const wt = await call(u.tok.insp, 'GET', '/templates/store_walkthrough');
  const answers = {};
  for (const sec of wt.sections) for (const it of sec.items) {
    if (it.type === 'pass_fail') answers[it.id] = it.id === 'storefront' ? 'fail' : 'pass';
    if (it.type === 'count') answers[it.id] = 0;
  }
  const now = Date.now();
  const r = await call(u.tok.insp, 'POST', '/sync/push', { device_id: 'e2e-cx', device_time: new Date(now).toISOString(), submissions: [{
    id: `e2e-cx-${u.stamp}-w`, template_id: wt.id, template_version: wt.version, subject: { store_id: u.store.id }, base_version: 0,
    started_at: new Date(now - 30 * 60000).toISOString(), finished_at: new Date(now - 60000).toISOString(), answers, photos: {} }] });
  assert.equal(r.results[0].status, 'accepted', JSON.stringify(r.results[0]));
  const list = await call(u.tok.sup, 'GET', '/rectifications?status=open');
  rect = list.items.find((x) => x.unit === u.unit && x.source === 'walkthrough');
  assert.ok(rect, 'the walkthrough opened a rectification');
});
after(async () => { await browser?.close(); });

test('supervisor: assign, resolve with a note and a photo (not without a note), it leaves the open list; reopen', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.goto(BASE + '/console/rect');
  await page.waitForSelector('#rects-page[data-ready]');
  assert.match(await page.textContent('#rect-units'), /整改测试一班/);
  await page.click(`#rects-page [data-rect="${rect.id}"]`);
  await page.waitForSelector('#rect-assign-form');
  assert.ok(!(await page.textContent('main')).includes(rect.id), 'no raw id on screen');
  await page.screenshot({ path: path.join(SHOTS_DIR, 'console-rect.png') });

  // Assign to the unit's technician (they carry it out; they never resolve).
  await page.selectOption('#rect-assign-form [name=assignee]', u.people.tech.username);
  await page.click('#rect-assign-form button[type=submit]');
  await page.waitForSelector('#rect-assignee');
  assert.match(await page.textContent('#rect-assignee'), /整改师傅/);

  // Error path: no note.
  await page.click('#rx-submit');
  await page.waitForSelector('[data-err=note]:not(:empty)');
  assert.equal((await call(u.tok.sup, 'GET', '/rectifications?status=open')).items.some((x) => x.id === rect.id), true, 'nothing saved');

  // Resolve with a note and a photo.
  await page.fill('#rx-note', '已清理门前环境，划定停车区，次日复查');
  await page.setInputFiles('#rx-photo', { name: 'fixed.png', mimeType: 'image/png', buffer: noisePNG() });
  await page.waitForSelector('.rxpicked figure');
  await page.click('#rx-submit');
  await page.waitForSelector('#rx-resolved');
  const done = (await call(u.tok.sup, 'GET', '/rectifications?status=resolved')).items.find((x) => x.id === rect.id);
  assert.ok(done && done.photos.length === 1 && done.resolved_by === u.people.sup.username);

  // It has left the open list.
  await page.click('#rx-back');
  await page.waitForSelector('#rects-page[data-ready]');
  assert.equal(await page.locator(`#rects-page [data-rect="${rect.id}"]`).count(), 0, 'gone from the open list');
  await shot(page, 'console-rect-open');

  // Reopen: someone changes it meanwhile → 409 with what changed; retry.
  await page.goto(BASE + '/console/rect/' + encodeURIComponent(rect.id));
  await page.waitForSelector('#rect-reopen-form');
  await call(u.tok.admin, 'POST', `/rectifications/${rect.id}/reopen`, { reason: '管理员先打开' });
  await call(u.tok.admin, 'POST', `/rectifications/${rect.id}/resolve`, { note: '管理员复核后处理' });
  await page.fill('#rect-reopen-form [name=reason]', '复查仍有车辆乱停');
  await page.click('#rect-reopen-form button[type=submit]');
  await page.waitForSelector('#rect-reopen-form [data-conflict=version_conflict]');
  await page.click('#rect-reopen-form [data-retry]');
  await page.waitForSelector('#rect-assign-form');
  const again = (await call(u.tok.sup, 'GET', '/rectifications?status=open')).items.find((x) => x.id === rect.id);
  assert.ok(again, 'open again');
  assert.equal(again.reopened.at(-1).reason, '复查仍有车辆乱停');
  await ctx.close();
});

test('another unit\'s supervisor sees nothing of it; the admin sees it by unit', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, other.people.sup.username, '#supdash');
  await page.goto(BASE + '/console/rect');
  await page.waitForSelector('#rects-page[data-ready]');
  assert.ok(!(await page.textContent('main')).includes('整改测试一班'));
  assert.equal(await page.locator(`[data-rect="${rect.id}"]`).count(), 0);
  await page.goto(BASE + '/console/rect/' + encodeURIComponent(rect.id));
  await page.waitForSelector('#rx-missing');
  await ctx.close();

  const actx = await desk(browser);
  const ap = await actx.newPage();
  await adminLogin(ap);
  await ap.goto(BASE + '/console/rect');
  await ap.waitForSelector('#rects-page[data-ready]');
  await ap.waitForSelector(`#rects-page [data-unit="${u.unit}"] [data-rect="${rect.id}"]`);
  await actx.close();
});
