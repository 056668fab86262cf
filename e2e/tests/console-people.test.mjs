// The console's 人员 (people) section, issue 16: as the admin and as a
// supervisor, on a desk (1280×800); each main path and its error path; a
// supervisor of another unit sees nothing of this unit; and a technician
// created in the console logs in on a phone (390×844) with the password the
// console showed once and sees an order given to them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, phone, loginOfRole } from './lib.mjs';
import { deskUnit, call, uiLoginAs } from './desk-fixture.mjs';
import { desk, adminLogin, nameUnit, rename } from './console-lib.mjs';

let browser;
let u; // this unit: its supervisor works here
let other; // another unit with its own supervisor and technician

before(async () => {
  browser = await launch();
  [u, other] = await Promise.all([deskUnit('cp'), deskUnit('cq')]);
  await nameUnit(u, '测试一班', 'Test team 1');
  await nameUnit(other, '测试二班', 'Test team 2');
  await rename(u, '本组');
  await rename(other, '别组');
});
after(async () => { await browser?.close(); });

const rowOf = (page, name) => page.locator('#people-list tbody tr', { has: page.locator(`a:text-is("${name}")`) });

test('admin: create a technician (password shown once), import an order for them, and they log in on a phone and see it', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  // One tap from the admin's home.
  await page.click('#to-console');
  await page.waitForSelector('.ctiles');
  await page.click('.cnav a[data-section=people]');
  await page.waitForSelector('#people-list table');
  await page.click('#new-person');
  await page.waitForSelector('#person-new');

  // Error path: the server's field errors land next to their fields; nothing is created.
  const username = `t.new.${u.stamp}`;
  await page.fill('#person-new [name=name]', '新来的师傅');
  await page.fill('#person-new [name=username]', 'Bad Name!');
  await page.selectOption('#person-new [name=role]', 'technician');
  await page.selectOption('#person-new [name=unit]', u.unit);
  await page.fill('#person-new [name=phone]', 'call me');
  await page.click('#person-new button[type=submit]');
  await page.waitForSelector('#person-new .ferr[data-err=username]:not(:empty)');
  assert.match(await page.textContent('#person-new .ferr[data-err=phone]'), /电话/);
  assert.equal(await page.getAttribute('#person-new [name=username]', 'aria-invalid'), 'true');
  const none = await call(u.tok.admin, 'GET', '/users?q=' + encodeURIComponent('新来的师傅'));
  assert.equal(none.items.length, 0, 'a refused form saves nothing');

  // Fixed, it is created and the password shows once.
  await page.fill('#person-new [name=username]', username);
  await page.fill('#person-new [name=phone]', '13800001234');
  await page.click('#person-new button[type=submit]');
  await page.waitForSelector('[data-secret-box] [data-password]');
  const password = (await page.textContent('[data-password]')).trim();
  assert.ok(password.length >= 12, 'a generated password');
  assert.equal(await page.locator('#person-new').count(), 0, 'the form is gone: the password is not shown again');

  // The same login name again: refused with the server's words, nothing half-saved.
  await page.goto(BASE + '/console/people/new');
  await page.waitForSelector('#person-new');
  await page.fill('#person-new [name=name]', '重名的人');
  await page.fill('#person-new [name=username]', username);
  await page.selectOption('#person-new [name=unit]', u.unit);
  await page.click('#person-new button[type=submit]');
  await page.waitForSelector('#person-new [data-conflict=username_taken]');
  assert.match(await page.textContent('#person-new [data-conflict]'), /用户名已存在/);
  assert.equal((await call(u.tok.admin, 'GET', '/users?q=' + encodeURIComponent('重名的人'))).items.length, 0);

  // The list finds the new person by name, with unit and role named, never the login name.
  await page.goto(BASE + '/console/people');
  await page.fill('form[role=search] [name=q]', '新来的');
  await page.click('form[role=search] button[type=submit]');
  await rowOf(page, '新来的师傅').waitFor();
  const row = await rowOf(page, '新来的师傅').textContent();
  assert.match(row, /测试一班/);
  assert.match(row, /装维|技术|师傅|technician/i);
  assert.match(row, /从未登录/);
  assert.ok(!(await page.textContent('#cmain')).includes(username), 'no login name on the list');

  // An order for them, imported through the console's 导入 (preview, confirm).
  const oid = `C${u.stamp.toUpperCase()}-1`;
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + 86400e3));
  const csv = 'id,type,product,subscribed_mbps,customer_name,customer_phone,customer_address,customer_tier,technician,appointment_from,appointment_to\n' +
    `${oid},装机,宽带 300M,300,控制台客户,13912340001,成都市锦江区测试路 9 号,普通,${username},${day} 09:00,${day} 11:00\n`;
  await page.goto(BASE + '/console/orders/import');
  await page.waitForSelector('#imp-pick');
  await page.setInputFiles('#imp-file', { name: '工单.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => document.querySelector('#imp-rows')?.dataset.rejected === '0');
  await page.click('#imp-confirm');
  await page.waitForSelector('#imp-done');
  assert.equal((await call(u.tok.admin, 'GET', '/workorders/' + encodeURIComponent(oid))).technician, username);
  await page.goto(BASE + '/console/people');
  await page.waitForSelector('#people-list table');
  await page.fill('form[role=search] [name=q]', '新来的');

  // The technician logs in on a phone with the password the console showed.
  const pctx = await phone(browser);
  const pp = await pctx.newPage();
  await pp.goto(BASE + '/');
  await pp.waitForURL('**/login');
  await pp.fill('input[name=username]', username);
  await pp.fill('input[name=password]', password);
  await pp.click('button[type=submit]');
  await pp.waitForSelector('article.order', { timeout: 30000 });
  assert.match(await pp.textContent('main'), /控制台客户/);
  await pctx.close();

  // Now the list shows when and on what they last logged in.
  await page.click('form[role=search] button[type=submit]');
  await page.waitForFunction(() => !document.querySelector('#people-list tbody')?.textContent.includes('从未登录'));
  assert.match(await rowOf(page, '新来的师傅').textContent(), /Android|Linux|Chrome/);
  await ctx.close();
});

test('admin: edit, disable (sessions revoked), enable, reset password; the last admin cannot be demoted', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  const tech = u.people.tech;
  await page.goto(BASE + '/console/people/' + encodeURIComponent(tech.username));
  await page.waitForSelector('#person-edit');
  await page.fill('#person-edit [name=name]', '改名的师傅');
  await page.click('#person-edit button[type=submit]');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('改名的师傅'));
  assert.equal((await call(u.tok.admin, 'GET', '/users?q=' + tech.username)).items[0].name, '改名的师傅');

  // Disable: the technician's token stops working at once.
  page.once('dialog', (d) => d.accept());
  await page.click('#toggle-disabled');
  await page.waitForFunction(() => document.querySelector('#toggle-disabled')?.textContent.includes('启用'));
  const res = await call(u.tok.tech, 'GET', '/me', undefined, { raw: true });
  assert.equal(res.status, 401, 'a disabled person is logged out everywhere');
  await page.click('#toggle-disabled');
  await page.waitForFunction(() => document.querySelector('#toggle-disabled')?.textContent.includes('停用'));

  // Reset password: shown once, and it works.
  page.once('dialog', (d) => d.accept());
  await page.click('#reset-password');
  await page.waitForSelector('#person-result [data-password]');
  const pw = (await page.textContent('#person-result [data-password]')).trim();
  const login = await fetch(BASE + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: tech.username, password: pw, device_id: 'e2e-console' }) });
  assert.equal(login.status, 200, 'the new password logs in');
  u.tok.tech = (await login.json()).access_token;

  // Error path: the demo has one admin; demoting it is refused (409), shown with a retry, and nothing changes.
  const admin = loginOfRole('admin').username;
  await page.goto(BASE + '/console/people/' + encodeURIComponent(admin));
  await page.waitForSelector('#person-edit');
  await page.selectOption('#person-edit [name=role]', 'supervisor');
  await page.selectOption('#person-edit [name=unit]', u.unit);
  await page.click('#person-edit button[type=submit]');
  await page.waitForSelector('#person-edit [data-conflict=last_admin]');
  assert.match(await page.textContent('#person-edit [data-conflict]'), /最后一个/);
  assert.match(await page.textContent('#person-edit [data-conflict]'), /管理员/, 'what the server holds now is shown');
  await page.click('#person-edit [data-retry]');
  await page.waitForSelector('#person-edit [data-conflict=last_admin]');
  const me = (await call(u.tok.admin, 'GET', '/users?q=' + admin)).items.find((x) => x.username === admin);
  assert.equal(me.role, 'admin');
  await ctx.close();
});

test('supervisor: manages their unit\'s field people only; another unit\'s supervisor sees none of them', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.click('#to-console');
  await page.waitForSelector('.ctiles');
  assert.equal(await page.locator('.cnav a[data-section=ops]').count(), 0, 'operations are the admin\'s');
  await page.click('.cnav a[data-section=people]');
  await page.waitForSelector('#people-list table');
  const names = await page.locator('#people-list tbody td[data-col=name]').allTextContents();
  assert.ok(names.includes(u.people.insp.name), 'their inspector is listed: ' + names);
  assert.ok(!names.includes(other.people.tech.name) && !names.includes(other.people.sup.name), 'nobody of the other unit');

  // Their own account (a supervisor's) is shown, not edited.
  await page.click(`#people-list a:text-is("${u.people.sup.name}")`);
  await page.waitForSelector('[data-readonly]');
  assert.equal(await page.locator('#person-edit').count(), 0);
  await page.goBack();
  await page.waitForSelector('#people-list table');

  // Create: only field roles, only their unit.
  await page.click('#new-person');
  await page.waitForSelector('#person-new');
  const roles = await page.locator('#person-new [name=role] option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(roles.sort(), ['agent', 'inspector', 'technician']);
  const units = await page.locator('#person-new [name=unit] option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(units, [u.unit]);
  // Error path: a short password is never the issue (generated); a bad phone is shown by its field.
  await page.fill('#person-new [name=name]', '主管新建的');
  await page.fill('#person-new [name=username]', `t.sup.${u.stamp}`);
  await page.fill('#person-new [name=phone]', '电话');
  await page.click('#person-new button[type=submit]');
  await page.waitForSelector('#person-new .ferr[data-err=phone]:not(:empty)');
  await page.fill('#person-new [name=phone]', '13800005678');
  await page.click('#person-new button[type=submit]');
  await page.waitForSelector('[data-password]');

  // Another unit's supervisor: the list holds nobody of this unit, and a direct address finds nothing.
  const octx = await desk(browser);
  const op = await octx.newPage();
  await uiLoginAs(op, other.people.sup.username, '#supdash');
  await op.goto(BASE + '/console/people');
  await op.waitForSelector('#people-list table');
  const theirs = await op.locator('#people-list tbody').textContent();
  for (const n of [u.people.tech.name, u.people.insp.name, '主管新建的', '新来的师傅']) assert.ok(!theirs.includes(n), 'other unit sees ' + n);
  await op.goto(BASE + '/console/people/' + encodeURIComponent(u.people.insp.username));
  await op.waitForSelector('[data-not-found]');
  await octx.close();
  await ctx.close();
});
