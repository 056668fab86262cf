// The console's 检查表 (checklists), issue 16, on a desk (1280×800): a
// walkthrough template (a copy of the built-in one, so no other test's
// scores move) listed with its versions and shown as the phone shows it;
// edited in the form — a bad id answered inline by the validator and nothing
// stored, then the fine per point raised, the live preview's tally showing
// the new fine on a sample answer — and saved as v2; a walkthrough scored on
// v2 carries the new fine; old v1 stays readable; the diff names the change;
// a save from a version someone else has moved past is a 409 that stores
// nothing, shows the newer version, and a retry publishes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, launch, shot, SHOTS_DIR } from './lib.mjs';
import { deskUnit, call, uiLoginAs } from './desk-fixture.mjs';
import { desk, adminLogin, nameUnit, rename } from './console-lib.mjs';

let browser;
let u; let tplID;

before(async () => {
  browser = await launch();
  u = await deskUnit('cc');
  await nameUnit(u, '检查表测试班', 'Checklist team');
  await rename(u, '检查');
  const wt = await call(u.tok.admin, 'GET', '/templates/store_walkthrough');
  tplID = `e2e_walk_${u.stamp.replace(/[^a-z0-9]/g, '')}`;
  const { version: _v, created_at: _c, created_by: _b, ...def } = wt;
  def.id = tplID;
  def.title = { zh: '测试巡检表 ' + u.stamp.slice(-4), en: 'Test walkthrough' };
  await call(u.tok.admin, 'PUT', '/templates/' + tplID, def);
});
after(async () => { await browser?.close(); });

const fineField = '[name="sections[0].items[0].score.fine_per_point"]';

test('admin edits a walkthrough\'s fine in the form; a walkthrough scored on the new version carries the new fine', async () => {
  const v1 = await call(u.tok.admin, 'GET', '/templates/' + tplID);
  const first = v1.sections[0].items[0];
  assert.equal(first.id, 'storefront');
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  await page.click('#to-console');
  await page.waitForSelector('.ctiles');
  await page.click('.cnav a[data-section=checklists]');
  await page.waitForSelector('#tpl-list');
  await page.click(`[data-tpl="${tplID}"]`);
  await page.waitForSelector('#tpl-info[data-version="1"]');
  await page.waitForSelector('.phoneframe [data-item=storefront]');
  await page.click('#tpl-edit');
  await page.waitForSelector('#tpl-form');

  // Error path: the validator's answer lands next to the field while typing.
  await page.fill('[name="sections[0].items[0].id"]', 'Bad Id');
  await page.waitForSelector('.ferr[data-err="sections[0].items[0].id"]:not(:empty)', { timeout: 15000 });
  await page.click('#tpl-save');
  await page.waitForSelector('.ferr[data-err="sections[0].items[0].id"]:not(:empty)');
  assert.equal((await call(u.tok.admin, 'GET', '/templates/' + tplID)).version, 1, 'an invalid save stores nothing');
  await page.fill('[name="sections[0].items[0].id"]', 'storefront');
  await page.waitForFunction(() => document.querySelector('#tpl-form')?.dataset.valid === 'true', null, { timeout: 15000 });

  // The fine, and the live preview on a sample answer.
  const newFine = first.score.fine_per_point + 25;
  await page.fill(fineField, String(newFine));
  await page.click('#tpl-preview [data-item=storefront] button[data-value=fail]');
  await page.waitForFunction((want) => document.querySelector('#tally-fines')?.textContent.includes(String(want)), first.score.max * newFine);
  await shot(page, 'console-checklist-edit');
  await page.screenshot({ path: path.join(SHOTS_DIR, 'console-checklist-edit.png') });
  await page.click('#tpl-save');
  await page.waitForSelector('#tpl-info[data-version="2"]');

  const v2 = await call(u.tok.admin, 'GET', '/templates/' + tplID);
  assert.equal(v2.version, 2);
  assert.equal(v2.sections[0].items[0].score.fine_per_point, newFine);
  assert.deepEqual({ ...v2.sections[1], items: undefined }, { ...v1.sections[1], items: undefined }, 'the rest round-trips');
  assert.equal(JSON.stringify(v2.sections.slice(1)), JSON.stringify(v1.sections.slice(1)), 'untouched sections come back unchanged');

  // A walkthrough on v2 with the storefront failed carries the new fine.
  const answers = {};
  for (const sec of v2.sections) for (const it of sec.items) {
    if (it.type === 'pass_fail') answers[it.id] = it.id === 'storefront' ? 'fail' : 'pass';
    if (it.type === 'count') answers[it.id] = 0;
  }
  const sid = `e2e-cc-${u.stamp}-w`;
  const now = Date.now();
  const r = await call(u.tok.insp, 'POST', '/sync/push', { device_id: 'e2e-cc', device_time: new Date(now).toISOString(), submissions: [{
    id: sid, template_id: tplID, template_version: 2, subject: { store_id: u.store.id }, base_version: 0,
    started_at: new Date(now - 30 * 60000).toISOString(), finished_at: new Date(now - 60000).toISOString(), answers, photos: {} }] });
  assert.equal(r.results[0].status, 'accepted', JSON.stringify(r.results[0]));
  const sub = await call(u.tok.admin, 'GET', '/submissions/' + sid);
  assert.equal(sub.fines, first.score.max * newFine, 'scored with the new fine');

  // Old v1 stays readable; the diff names the change.
  await page.click('#tpl-diff');
  await page.waitForSelector('#tpl-diff-table');
  assert.equal(await page.getAttribute('#tpl-diff-table', 'data-count'), '1');
  assert.match(await page.textContent('#tpl-diff-table'), /fine_per_point/);
  await page.goto(BASE + `/console/checklists/${tplID}?v=1`);
  await page.waitForSelector('#tpl-info[data-version="1"]');
  assert.match(await page.textContent('#tpl-info'), /旧版本/);
  await ctx.close();
});

test('supervisor: a save over a version someone else published meanwhile is a 409 that stores nothing; retry publishes', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  const base = (await call(u.tok.admin, 'GET', '/templates/' + tplID)).version;
  await page.goto(BASE + `/console/checklists/${tplID}/edit?from=${base}`);
  await page.waitForSelector('#tpl-form');
  // Someone publishes while this one edits.
  const cur = await call(u.tok.admin, 'GET', '/templates/' + tplID);
  const { version: _v, created_at: _c, created_by: _b, ...def } = cur;
  def.title = { ...def.title, en: 'Test walkthrough (admin)' };
  await call(u.tok.admin, 'PUT', '/templates/' + tplID, def);
  await page.fill('[name="title.zh"]', '测试巡检表（主管改）');
  await page.click('#tpl-save');
  await page.waitForSelector('#tpl-form [data-conflict=template_changed]');
  await page.waitForSelector(`#tpl-newer[data-version="${base + 1}"]`);
  assert.equal((await call(u.tok.admin, 'GET', '/templates/' + tplID)).version, base + 1, 'the 409 stored nothing');
  await page.click('#tpl-form [data-retry]');
  await page.waitForSelector(`#tpl-info[data-version="${base + 2}"]`);
  assert.equal((await call(u.tok.admin, 'GET', '/templates/' + tplID)).title.zh, '测试巡检表（主管改）');
  await ctx.close();
});

test('the editor keeps fields it does not know and a condition (when) as JSON; JSON that does not parse is held back', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  await page.goto(BASE + `/console/checklists/${tplID}/edit`);
  await page.waitForSelector('#tpl-form');
  const cur = await call(u.tok.admin, 'GET', '/templates/' + tplID);
  const { version: _v, created_at: _c, created_by: _b, ...def } = cur;
  def.sections[0].items[0].x_future = { keep: 'me' };
  def.sections[0].items[0].when = { all: [{ subject: 'store_kind', op: 'eq', value: 'flagship' }] };
  def.sections[0].x_section_note = '保留';
  await page.click('#tpl-json summary');
  await page.fill('#tpl-paste', JSON.stringify(def));
  await page.click('#tpl-paste-load');
  await page.waitForSelector('#tpl-import-msg .okbox');
  const whenBox = '[name="sections[0].items[0].when"]';
  assert.deepEqual(JSON.parse(await page.inputValue(whenBox)), def.sections[0].items[0].when);
  // A condition that is not JSON is refused next to its box, and not saved.
  await page.fill(whenBox, '{"all": [');
  await page.waitForSelector('.ferr[data-err="sections[0].items[0].when"]:not(:empty)');
  await page.click('#tpl-save');
  await page.waitForSelector('#tpl-form .cform-msg .err');
  assert.equal((await call(u.tok.admin, 'GET', '/templates/' + tplID)).version, cur.version, 'nothing saved');
  await page.fill(whenBox, JSON.stringify({ any: [{ item: 'storefront', op: 'answered' }] }));
  await page.fill('[name="sections[0].items[0].label.en"]', 'Storefront (edited)');
  // The draft exported: the unknown fields came back untouched, the edits in.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#tpl-export-draft')]);
  const chunks = [];
  for await (const c of await dl.createReadStream()) chunks.push(c);
  const out = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  assert.deepEqual(out.sections[0].items[0].x_future, { keep: 'me' });
  assert.equal(out.sections[0].x_section_note, '保留');
  assert.deepEqual(out.sections[0].items[0].when, { any: [{ item: 'storefront', op: 'answered' }] });
  assert.equal(out.sections[0].items[0].label.en, 'Storefront (edited)');
  assert.equal(JSON.stringify(out.sections.slice(1)), JSON.stringify(def.sections.slice(1)));
  await ctx.close();
});
