// The console's 组织 (organisation), 审计 (audit) and 运维 (operations)
// sections and its shell, issue 16: each main path and error path as the
// admin and as a supervisor, a supervisor of another unit seeing nothing of
// this one, an act read back in the audit screen, the desk and phone
// layouts (screenshots for the README) and the online-only rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { BASE, ARTIFACTS, SHOTS_DIR, launch, phone, shot } from './lib.mjs';
import { deskUnit, call, uiLoginAs } from './desk-fixture.mjs';
import { desk, adminLogin, nameUnit, rename } from './console-lib.mjs';

let browser;
let u;
let other;
let top; // a city branch above u's unit

before(async () => {
  browser = await launch();
  [u, other] = await Promise.all([deskUnit('cs'), deskUnit('ct')]);
  top = `e2e-city-${u.stamp}`;
  await call(u.tok.admin, 'PUT', '/names/unit/' + top, { zh: '测试市分公司', en: 'Test city branch' });
  await nameUnit(u, '组织一班', 'Org team 1');
  await nameUnit(other, '组织二班', 'Org team 2');
  await rename(u, '组织一');
  await rename(other, '组织二');
});
after(async () => { await browser?.close(); });

test('organisation as admin: a unit under its branch, a product name, a store with its location; bad input by its field', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  await page.goto(BASE + '/console/org');
  await page.waitForSelector('#unit-tree');

  // Put this unit under the city branch.
  await page.click(`#unit-tree li[data-unit="${u.unit}"] > button`);
  await page.waitForSelector('#unit-form');
  await page.selectOption('#unit-form [name=parent]', top);
  await page.click('#unit-form button[type=submit]');
  await page.waitForSelector(`#unit-tree li[data-unit="${top}"] li[data-unit="${u.unit}"]`);
  assert.equal((await call(u.tok.admin, 'GET', '/names')).units[u.unit].parent, top);

  // Error path: a unit made its own grandparent is refused by the server, shown by the field.
  await page.click(`#unit-tree li[data-unit="${top}"] > button`);
  await page.waitForSelector('#unit-form');
  await page.selectOption('#unit-form [name=parent]', u.unit);
  await page.click('#unit-form button[type=submit]');
  await page.waitForSelector('#unit-form .ferr[data-err=parent]:not(:empty), #unit-form .cform-msg .err');
  assert.equal((await call(u.tok.admin, 'GET', '/names')).units[top].parent || '', '', 'nothing saved');

  // A product's display name.
  const code = `e2e-prod-${u.stamp}`;
  await page.click('#new-product');
  await page.fill('#product-form [name=code]', code);
  await page.fill('#product-form [name=zh]', '测试宽带');
  await page.fill('#product-form [name=en]', 'Test fibre plan');
  await page.click('#product-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#cmain')?.textContent.includes('测试宽带'));

  // A store: a bad latitude is shown by its field, nothing stored; then it goes in.
  const sid = `SC-CON-${u.stamp.toUpperCase()}`;
  await page.click('#new-store');
  await page.fill('#store-form [name=id]', sid);
  await page.fill('#store-form [name=name]', '控制台营业厅');
  await page.selectOption('#store-form [name=unit]', u.unit);
  await page.fill('#store-form [name=address]', '成都市锦江区控制台路 1 号');
  await page.fill('#store-form [name=lat]', '95');
  await page.fill('#store-form [name=lng]', '104.06');
  await page.click('#store-form button[type=submit]');
  await page.waitForSelector('#store-form .ferr[data-err=lat]:not(:empty)');
  const none = await call(u.tok.admin, 'GET', '/stores?unit=' + u.unit);
  assert.ok(!none.items.some((s) => s.id === sid), 'a refused store is not stored');
  await page.fill('#store-form [name=lat]', '30.65');
  await page.click('#store-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#store-list')?.textContent.includes('控制台营业厅'));
  assert.match(await page.textContent('#store-list'), /30\.65000, 104\.06000/);
  // The same number again: the server's 409 is shown with a retry.
  await page.click('#new-store');
  await page.fill('#store-form [name=id]', sid);
  await page.fill('#store-form [name=name]', '重复的网点');
  await page.click('#store-form button[type=submit]');
  await page.waitForSelector('#store-form [data-conflict]');
  assert.ok(!(await page.textContent('#cmain')).includes(u.unit), 'no unit code on screen');
  await shot(page, 'console-org-desk');
  await ctx.close();
});

test('organisation as supervisor: their branch of the tree read-only, their stores; another unit\'s supervisor sees none of it', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.goto(BASE + '/console/org');
  await page.waitForSelector('#unit-tree');
  assert.equal(await page.locator('#unit-tree button').count(), 0, 'a supervisor does not rename units');
  assert.match(await page.textContent('#unit-tree'), /组织一班/);
  assert.ok(!(await page.textContent('#unit-tree')).includes('组织二班'));
  // A store of their own unit.
  const sid = `SC-SUP-${u.stamp.toUpperCase()}`;
  await page.click('#new-store');
  const units = await page.locator('#store-form [name=unit] option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(units, [u.unit]);
  await page.fill('#store-form [name=id]', sid);
  await page.click('#store-form button[type=submit]');
  await page.waitForSelector('#store-form .ferr[data-err=name]:not(:empty)'); // error path: name is required
  await page.fill('#store-form [name=name]', '主管的营业厅');
  await page.click('#store-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#store-list')?.textContent.includes('主管的营业厅'));
  // Edit it: an address and a location; a bad longitude is shown by its field first.
  await page.click(`#store-list [data-edit-store="${sid}"]`);
  await page.waitForSelector('#store-form');
  assert.equal(await page.locator('#store-form [name=id]').count(), 0, 'the number never changes');
  await page.fill('#store-form [name=address]', '主管路 8 号');
  await page.fill('#store-form [name=lat]', '30.6');
  await page.fill('#store-form [name=lng]', '200');
  await page.click('#store-form button[type=submit]');
  await page.waitForSelector('#store-form .ferr[data-err=lat]:not(:empty)');
  await page.fill('#store-form [name=lng]', '104.1');
  await page.click('#store-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#store-list')?.textContent.includes('主管路 8 号'));
  const st = (await call(u.tok.sup, 'GET', '/stores?unit=' + u.unit)).items.find((s) => s.id === sid);
  assert.deepEqual([st.address, st.location], ['主管路 8 号', { lat: 30.6, lng: 104.1 }]);

  const octx = await desk(browser);
  const op = await octx.newPage();
  await uiLoginAs(op, other.people.sup.username, '#supdash');
  await op.goto(BASE + '/console/org');
  await op.waitForSelector('#store-list table');
  const seen = await op.textContent('#cmain');
  for (const n of ['组织一班', '主管的营业厅', '控制台营业厅']) assert.ok(!seen.includes(n), 'other unit sees ' + n);
  await octx.close();
  await ctx.close();
});

test('audit: the admin reads an act made in the console, filters by who and what, exports CSV; bad dates by their field', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  // The act: a phone number changed in the console.
  await page.goto(BASE + '/console/people/' + encodeURIComponent(u.people.tech.username));
  await page.waitForSelector('#person-edit');
  await page.fill('#person-edit [name=phone]', '13800009999');
  await page.click('#person-edit button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#person-edit [name=phone]')?.value === '13800009999');

  await page.click('.cnav a[data-section=audit]');
  await page.waitForSelector('#audit-list table');
  await page.selectOption('#audit-filters [name=action]', 'user.patch');
  await page.click('#audit-filters button[type=submit]');
  const row = page.locator('#audit-list tbody tr', { hasText: '组织一师傅' }).first();
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /修改人员/);
  assert.match(text, /管理员|admin/i);
  assert.ok(!text.includes(u.people.tech.username), 'the person is named, not their login');

  await shot(page, 'console-audit-desk');
  // A device tag filters the log to that device.
  const dev = await row.locator('[data-device]').getAttribute('data-device');
  await row.locator('[data-device]').click();
  await page.waitForFunction((d) => document.querySelector('#audit-filters [name=device]').value === d, dev);
  await page.waitForFunction((d) => {
    const tags = [...document.querySelectorAll('#audit-list tbody [data-device]')];
    return tags.length > 0 && tags.every((t) => t.dataset.device === d);
  }, dev);
  await page.fill('#audit-filters [name=device]', '');

  // Export: the same rows as a CSV file.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=csv]')]);
  const file = path.join(ARTIFACTS, 'console-audit.csv');
  await dl.saveAs(file);
  assert.match(readFileSync(file, 'utf8'), /user\.patch|修改/);
  const [xl] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=xlsx]')]);
  const xfile = path.join(ARTIFACTS, 'console-audit.xlsx');
  await xl.saveAs(xfile);
  assert.equal(readFileSync(xfile).subarray(0, 2).toString(), 'PK', 'an XLSX (zip) file');

  // A name given to a unit reads as the unit's name, never its code.
  await page.selectOption('#audit-filters [name=action]', 'names.set');
  await page.click('#audit-filters button[type=submit]');
  const named = page.locator('#audit-list tbody tr', { hasText: '单位：组织一班' }).first();
  await named.waitFor();
  assert.match(await named.textContent(), /修改名称/);
  assert.ok(!(await page.textContent('#audit-list')).includes(u.unit), 'no unit code in the log');

  // Error path: from after to is refused and shown by the field.
  await page.fill('#audit-filters [name=from]', '2026-12-31');
  await page.fill('#audit-filters [name=to]', '2026-01-01');
  await page.click('#audit-filters button[type=submit]');
  await page.waitForSelector('#audit-filters .ferr[data-err=from]:not(:empty)');
  await ctx.close();
});

test('audit as supervisor: their unit\'s acts; another unit\'s supervisor sees none of them', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.goto(BASE + '/console/audit');
  await page.waitForSelector('#audit-list table');
  await page.selectOption('#audit-filters [name=action]', 'auth.login');
  await page.click('#audit-filters button[type=submit]');
  await page.locator('#audit-list tbody tr', { hasText: '组织一主管' }).first().waitFor();

  const octx = await desk(browser);
  const op = await octx.newPage();
  await uiLoginAs(op, other.people.sup.username, '#supdash');
  await op.goto(BASE + '/console/audit');
  await op.waitForSelector('#audit-list table');
  const seen = await op.textContent('#audit-list') + await op.textContent('#audit-filters');
  for (const n of ['组织一主管', '组织一师傅', '组织一督查']) assert.ok(!seen.includes(n), 'other unit sees ' + n);
  await octx.close();
  await ctx.close();
});

test('operations: the admin sees health, data and settings and downloads a backup; a supervisor cannot open it', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  await page.goto(BASE + '/console/ops');
  await page.waitForSelector('[data-kv=status] [data-status=ready]');
  assert.match(await page.textContent('[data-kv=photos]'), /^\d+$/);
  assert.match(await page.textContent('[data-kv=sms_wait]'), /4 小时/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#backup-download')]);
  const file = path.join(ARTIFACTS, 'console-backup.tar');
  await dl.saveAs(file);
  const tar = readFileSync(file);
  assert.equal(tar.subarray(257, 262).toString(), 'ustar', 'a tar archive');
  await shot(page, 'console-ops-desk');
  await ctx.close();

  const sctx = await desk(browser);
  const sp = await sctx.newPage();
  await uiLoginAs(sp, u.people.sup.username, '#supdash');
  await sp.goto(BASE + '/console/ops');
  await sp.waitForURL((url) => url.pathname === '/console');
  await sp.waitForSelector('.ctiles');
  assert.equal(await sp.locator('.cnav a[data-section=ops]').count(), 0);
  await sctx.close();
});

test('shell: desk sidebar and phone tab bar, screenshots, and offline it says it needs a connection', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  await page.click('#to-console');
  await page.waitForSelector('.ctiles');
  const nav = await page.locator('.cnav a').allTextContents();
  for (const w of ['人员', '组织', '工单', '检查表', '整改', '审计', '运维']) assert.ok(nav.some((x) => x.startsWith(w)), 'nav has ' + w);
  const box = await page.locator('.cnav').boundingBox();
  assert.ok(box.height > 400 && box.width < 260, 'a sidebar on a desk: ' + JSON.stringify(box));
  await page.screenshot({ path: path.join(SHOTS_DIR, 'console-desk.png') });
  await page.goto(BASE + '/console/people');
  await page.waitForSelector('#people-list table');
  await page.screenshot({ path: path.join(SHOTS_DIR, 'console-people-desk.png') });
  await ctx.close();

  const pctx = await phone(browser);
  const pp = await pctx.newPage();
  await uiLoginAs(pp, u.people.sup.username, '#supdash');
  await pp.click('#to-console');
  await pp.waitForSelector('.ctiles');
  const pbox = await pp.locator('.cnav').boundingBox();
  assert.ok(pbox.width > 380 && pbox.height < 90, 'a tab bar on a phone: ' + JSON.stringify(pbox));
  const overflow = await pp.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, 'no sideways scroll on a phone: ' + overflow);
  await pp.screenshot({ path: path.join(SHOTS_DIR, 'console-phone.png') });
  await pp.click('.cnav a[data-section=people]');
  await pp.waitForSelector('#people-list table');
  await pp.screenshot({ path: path.join(SHOTS_DIR, 'console-people-phone.png') });

  // Offline: the console asks the server for everything, and says so.
  await pctx.setOffline(true);
  await pp.click('.cnav a[data-section=audit]');
  await pp.waitForSelector('[data-offline]');
  assert.match(await pp.textContent('[data-offline]'), /需要联网/);
  await pctx.setOffline(false);
  await pctx.close();
});

test('offline before the console was ever opened: its code is not on the phone, and it says so', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
  const cached = await page.evaluate(async () => {
    const out = [];
    for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) out.push(new URL(r.url).pathname);
    return out;
  });
  assert.ok(cached.includes('/js/desk.js'), 'the loader is precached');
  // Nothing of the console is precached; the service worker keeps a desk
  // file only once something fetched it (the dashboard's 逾期未检 card loads
  // plans.js), and the console's shell was never opened.
  assert.ok(!cached.some((p) => p === '/console/console.js' || p === '/console/kit.js'), 'the console is not on the phone: ' + cached.filter((p) => p.startsWith('/console')));
  await ctx.setOffline(true);
  await page.click('#to-console');
  await page.waitForSelector('[data-offline]');
  assert.match(await page.textContent('[data-offline]'), /控制台需要联网/);
  await ctx.setOffline(false);
  await ctx.close();
});
