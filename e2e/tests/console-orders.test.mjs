// The console's 工单 (work orders), issue 16: as the admin and as a
// supervisor on a desk (1280×800). 导入: a CSV previewed row by row, a bad
// row's error shown in its row and nothing written, the fixed file confirmed
// (all or nothing), and the technician then sees the imported order on a
// phone (390×844). A supervisor's list, bulk reassignment (the old
// technician's next pull removes the orders), cancel with a reason, a 409
// shown with what changed and retried; a supervisor of another unit sees
// nothing of this unit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import path from 'node:path';
import { BASE, launch, phone, shot, SHOTS_DIR } from './lib.mjs';
import { deskUnit, call, uiLoginAs, loginAs } from './desk-fixture.mjs';
import { desk, adminLogin, nameUnit, rename } from './console-lib.mjs';

let browser;
let u; let other;

before(async () => {
  browser = await launch();
  [u, other] = await Promise.all([deskUnit('co'), deskUnit('cr')]);
  await nameUnit(u, '工单测试一班', 'Orders team 1');
  await nameUnit(other, '工单测试二班', 'Orders team 2');
  await rename(u, '工单');
  await rename(other, '别组');
  // A second technician in the unit, to reassign to.
  u.people.tech2 = { username: `t2.co.${u.stamp}`, name: '工单二师傅', role: 'technician' };
  await call(u.tok.admin, 'POST', '/users', { ...u.people.tech2, password: u.password, unit: u.unit });
  u.tok.tech2 = await loginAs(u.people.tech2.username);
});
after(async () => { await browser?.close(); });

const head = 'id,type,product,subscribed_mbps,customer_name,customer_phone,customer_address,customer_tier,technician,appointment_from,appointment_to\n';
const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
const csvRow = (id, name, tech, from = `${day} 09:00`) => `${id},装机,宽带 300M,300,${name},13912340011,成都市锦江区导入路 1 号,普通,${tech},${from},${day} 11:00\n`;
// xlsx builds a one-sheet workbook the way a spreadsheet saves one (a zip
// of SpreadsheetML parts; strings inline, numbers as numbers), with no
// library: rows of strings and numbers.
const CRC = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
function zip(files) {
  const locals = []; const centrals = []; let off = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text, 'utf8'); const comp = deflateRawSync(data); const nm = Buffer.from(name);
    const hd = Buffer.alloc(30); hd.writeUInt32LE(0x04034b50, 0); hd.writeUInt16LE(20, 4); hd.writeUInt16LE(0x0800, 6); hd.writeUInt16LE(8, 8);
    hd.writeUInt32LE(crc32(data), 14); hd.writeUInt32LE(comp.length, 18); hd.writeUInt32LE(data.length, 22); hd.writeUInt16LE(nm.length, 26);
    const cd = Buffer.alloc(46); cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE(20, 4); cd.writeUInt16LE(20, 6); cd.writeUInt16LE(0x0800, 8); cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc32(data), 16); cd.writeUInt32LE(comp.length, 20); cd.writeUInt32LE(data.length, 24); cd.writeUInt16LE(nm.length, 28); cd.writeUInt32LE(off, 42);
    locals.push(hd, nm, comp); centrals.push(cd, nm); off += 30 + nm.length + comp.length;
  }
  const cdir = Buffer.concat(centrals);
  const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(centrals.length / 2, 8); end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(cdir.length, 12); end.writeUInt32LE(off, 16);
  return Buffer.concat([...locals, cdir, end]);
}
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
function xlsx(rows) {
  const col = (i) => String.fromCharCode(65 + i);
  const sheet = rows.map((r, ri) => `<row r="${ri + 1}">` + r.map((v, ci) => (typeof v === 'number'
    ? `<c r="${col(ci)}${ri + 1}"><v>${v}</v></c>` : `<c r="${col(ci)}${ri + 1}" t="inlineStr"><is><t>${esc(v)}</t></is></c>`)).join('') + '</row>').join('');
  const ns = 'http://schemas.openxmlformats.org';
  return zip({
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="${ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${ns}/spreadsheetml/2006/main" xmlns:r="${ns}/officeDocument/2006/relationships"><sheets><sheet name="工单" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${ns}/spreadsheetml/2006/main"><sheetData>${sheet}</sheetData></worksheet>`,
  });
}

const csvFile = (text) => ({ name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) });

test('admin imports orders: preview of every row, a bad row shown in its row, confirm; the technician sees the order on a phone', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await adminLogin(page);
  await page.click('#to-console');
  await page.waitForSelector('.ctiles');
  await page.click('.cnav a[data-section=orders]');
  await page.waitForSelector('#wo-list[data-ready]');
  await page.click('#wo-import');
  await page.waitForSelector('#imp-how');
  assert.match(await page.textContent('#imp-how'), /全部或不导入/, 'the screen says how a confirm commits');

  const a = `IMP-${u.stamp}-1`, b = `IMP-${u.stamp}-2`;
  const tech = u.people.tech.username;
  // Error path: row 3 has an appointment that is not a time.
  await page.setInputFiles('#imp-file', csvFile(head + csvRow(a, '导入客户甲', tech) + csvRow(b, '导入客户乙', tech, '明天上午')));
  await page.waitForSelector('#imp-rows[data-ready]');
  assert.equal(await page.locator('#imp-rows tr.imp-row').count(), 2, 'every row previewed');
  const bad = page.locator('#imp-rows tr.imp-row[data-row="3"]');
  assert.equal(await bad.getAttribute('data-status'), 'rejected');
  assert.match(await bad.textContent(), /预约开始/, 'the error names the field, in its row');
  assert.match(await page.textContent('#imp-rows tr.imp-row[data-row="2"]'), /导入客户甲/);
  assert.ok(await page.isDisabled('#imp-confirm'), 'a file with a bad row cannot be confirmed');
  assert.ok(!(await page.textContent('#imp-rows')).includes(tech), 'no username on screen');
  const none = await call(u.tok.admin, 'GET', '/workorders/' + encodeURIComponent(a), undefined, { raw: true });
  assert.equal(none.status, 404, 'the preview wrote nothing');
  await shot(page, 'console-import-error');
  await page.screenshot({ path: path.join(SHOTS_DIR, 'console-orders-import.png') });

  // The fixed file: preview, confirm.
  await page.setInputFiles('#imp-file', csvFile(head + csvRow(a, '导入客户甲', tech) + csvRow(b, '导入客户乙', tech)));
  await page.waitForFunction(() => document.querySelector('#imp-rows')?.dataset.rejected === '0');
  assert.ok(!(await page.isDisabled('#imp-confirm')));
  await page.click('#imp-confirm');
  await page.waitForSelector('#imp-done');
  const wo = await call(u.tok.admin, 'GET', '/workorders/' + encodeURIComponent(a));
  assert.equal(wo.customer.name, '导入客户甲');
  assert.equal(wo.technician, tech);

  // An .xlsx: Chinese headers, the phone and speed as numbers, a date cell as
  // Excel's day serial (2026-12-20 09:00 = 46376.375).
  const x = `IMP-${u.stamp}-X`;
  await page.goto(BASE + '/console/orders/import');
  await page.waitForSelector('#imp-pick');
  await page.setInputFiles('#imp-file', { name: '工单.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx([
    ['工单号', '类型', '产品', '签约速率', '客户姓名', '联系电话', '地址', '客户等级', '装维人员', '预约开始', '预约结束'],
    [x, '修障', '宽带', 500, '表格客户', 13912340099, '成都市锦江区表格路 5 号', '重要客户', tech, 46376.375, '2026-12-20 11:00'],
  ]) });
  await page.waitForFunction(() => document.querySelector('#imp-rows')?.dataset.rejected === '0');
  assert.match(await page.textContent('#imp-rows tr.imp-row[data-row="2"]'), /表格客户/);
  await page.click('#imp-confirm');
  await page.waitForSelector('#imp-done');
  const xo = await call(u.tok.admin, 'GET', '/workorders/' + encodeURIComponent(x));
  assert.equal(xo.customer.phone, '13912340099');
  assert.equal(xo.customer.tier, 'vip');
  assert.equal(xo.appointment.from, '2026-12-20T09:00:00+08:00');
  await ctx.close();

  // The technician's phone pulls it.
  const pctx = await phone(browser);
  const pp = await pctx.newPage();
  await uiLoginAs(pp, tech, 'main');
  await pp.waitForSelector(`article.order[data-order="${a}"]`, { timeout: 30000 });
  await pctx.close();
});

test('supervisor: filters, reassigns two at once (the old technician\'s pull removes them), cancels with a reason; a 409 shows what changed', async () => {
  const ids = [];
  for (let i = 1; i <= 3; i++) {
    const id = `SUP-${u.stamp}-${i}`;
    ids.push(id);
    await call(u.tok.sup, 'POST', '/workorders', { id, type: i === 3 ? 'repair' : 'install', product: 'broadband', subscribed_mbps: 100, technician: u.people.tech.username,
      customer: { name: `主管客户${i}`, phone: '13912340022', address: '成都市锦江区主管路 2 号', tier: 'standard' },
      appointment: { from: new Date(Date.now() + 3600e3).toISOString(), to: new Date(Date.now() + 3 * 3600e3).toISOString() } });
  }
  const pull0 = await call(u.tok.tech, 'GET', '/sync/pull?cursor=');
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.goto(BASE + '/console/orders');
  await page.waitForSelector('#wo-list[data-ready]');
  // The type filter: repairs only (this one, and the one the .xlsx brought).
  await page.selectOption('#wo-filters [name=type]', 'repair');
  await page.waitForFunction((id) => document.querySelector('#wo-list')?.dataset.ready === '' && !document.querySelector(`#wo-list [data-wo="${id}"]`), ids[0]);
  assert.ok(await page.locator(`[data-wo="${ids[2]}"]`).count());
  const typesShown = await page.$$eval('#wo-list td[data-col=type]', (tds) => [...new Set(tds.map((td) => td.textContent))]);
  assert.deepEqual(typesShown, ['修障']);
  await page.selectOption('#wo-filters [name=type]', '');
  await page.waitForSelector(`#wo-list[data-ready] [data-wo="${ids[0]}"]`);
  assert.ok(!(await page.textContent('#wo-list')).includes(u.people.tech.username), 'names, not usernames');

  // Reassign two at once.
  await page.check(`[data-pick="${ids[0]}"]`);
  await page.check(`[data-pick="${ids[1]}"]`);
  await page.selectOption('#wo-bulk [name=technician]', u.people.tech2.username);
  await page.click('#wo-reassign');
  await page.waitForFunction((id) => [...document.querySelectorAll('#wo-list tr')].some((tr) => tr.textContent.includes(id) && tr.textContent.includes('工单二师傅')), ids[0]);
  const pull = await call(u.tok.tech, 'GET', '/sync/pull?cursor=' + encodeURIComponent(pull0.cursor));
  assert.ok(pull.removed.includes(ids[0]) && pull.removed.includes(ids[1]), 'the old technician\'s next pull removes both: ' + JSON.stringify(pull.removed));
  const pull2 = await call(u.tok.tech2, 'GET', '/sync/pull?cursor=');
  assert.ok(pull2.workorders.some((o) => o.id === ids[0]), 'the new technician\'s pull brings it');

  // Cancel: without a reason the field says so; a change meanwhile is a 409 with what changed; retry.
  await page.click(`a[data-wo="${ids[2]}"]`);
  await page.waitForSelector('#wo-cancel-form');
  await page.click('#wo-cancel-form button[type=submit]');
  await page.waitForSelector('#wo-cancel-form .ferr[data-err=reason]:not(:empty)');
  await call(u.tok.admin, 'PATCH', '/workorders/' + ids[2], { customer: { address: '成都市锦江区改过的地址 3 号' } });
  await page.fill('#wo-cancel-form [name=reason]', '客户已退订');
  await page.click('#wo-cancel-form button[type=submit]');
  await page.waitForSelector('#wo-cancel-form [data-conflict=version_conflict]');
  assert.match(await page.textContent('#wo-cancel-form [data-conflict]'), /版本 2/, 'shows what the server holds now');
  assert.equal((await call(u.tok.sup, 'GET', '/workorders/' + ids[2])).status, 'assigned', 'a 409 saved nothing');
  await page.click('#wo-cancel-form [data-retry]');
  await page.waitForSelector('#wo-reason');
  assert.equal(await page.textContent('#wo-reason'), '客户已退订');
  const o = await call(u.tok.sup, 'GET', '/workorders/' + ids[2]);
  assert.equal(o.status, 'cancelled');
  assert.equal(o.cancel_reason, '客户已退订');

  // A new order: the server's field errors next to their fields, nothing created; fixed, it is.
  const nid = `NEW-${u.stamp}-1`;
  await page.goto(BASE + '/console/orders/new');
  await page.waitForSelector('#wo-create');
  await page.fill('#wo-create [name=id]', nid);
  await page.fill('#wo-create [name="customer.phone"]', '打电话');
  await page.click('#wo-create button[type=submit]');
  await page.waitForSelector('#wo-create .ferr[data-err="customer.phone"]:not(:empty)');
  assert.match(await page.textContent('#wo-create .ferr[data-err="customer.name"]'), /客户姓名/);
  assert.match(await page.textContent('#wo-create .ferr[data-err="technician"]'), /装维人员/);
  assert.equal((await call(u.tok.sup, 'GET', '/workorders/' + nid, undefined, { raw: true })).status, 404, 'nothing created');
  await page.fill('#wo-create [name="customer.name"]', '新建客户');
  await page.fill('#wo-create [name="customer.phone"]', '13912340033');
  await page.fill('#wo-create [name="customer.address"]', '成都市锦江区新建路 4 号');
  await page.fill('#wo-create [name=subscribed_mbps]', '300');
  await page.selectOption('#wo-create [name=technician]', u.people.tech.username);
  await page.fill('#wo-create [name="appointment.from"]', `${day}T14:00`);
  await page.fill('#wo-create [name="appointment.to"]', `${day}T16:00`);
  await page.click('#wo-create button[type=submit]');
  await page.waitForSelector('#wo-info[data-status=assigned]');
  const made = await call(u.tok.sup, 'GET', '/workorders/' + nid);
  assert.equal(made.appointment.from, `${day}T14:00:00+08:00`);
  await ctx.close();
});

test('the list on a phone (390×844)', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  await page.goto(BASE + '/console/orders');
  await page.waitForSelector('#wo-list[data-ready]');
  assert.ok(await page.locator('#wo-list a[data-wo]').count() > 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, 'the page itself does not scroll sideways (the table does): ' + overflow);
  await shot(page, 'console-orders-phone');
  await page.screenshot({ path: path.join(SHOTS_DIR, 'console-orders-phone.png') });
  await ctx.close();
});

test('409s: an import whose orders changed after the preview, and a bulk reassignment of an order changed meanwhile, show what changed and go through on retry', async () => {
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.sup.username, '#supdash');
  const tech = u.people.tech.username;
  const c1 = `CHG-${u.stamp}-1`, c2 = `CHG-${u.stamp}-2`;
  await page.goto(BASE + '/console/orders/import');
  await page.waitForSelector('#imp-pick');
  await page.setInputFiles('#imp-file', csvFile(head + csvRow(c1, '变化客户一', tech) + csvRow(c2, '变化客户二', tech)));
  await page.waitForFunction(() => document.querySelector('#imp-rows')?.dataset.rejected === '0');
  assert.equal(await page.getAttribute('#imp-rows tr.imp-row[data-row="3"]', 'data-status'), 'created');
  // Someone creates the second order between the preview and the confirm.
  await call(u.tok.sup, 'POST', '/workorders', { id: c2, type: 'install', product: 'broadband', subscribed_mbps: 100, technician: tech,
    customer: { name: '抢先客户', phone: '13912340044', address: '成都市锦江区抢先路 6 号', tier: 'standard' },
    appointment: { from: new Date(Date.now() + 3600e3).toISOString(), to: new Date(Date.now() + 7200e3).toISOString() } });
  await page.click('#imp-confirm');
  await page.waitForSelector('#imp-conflict[data-code=import_changed]');
  assert.equal(await page.getAttribute('#imp-rows tr.imp-row[data-row="3"]', 'data-changed'), 'true', 'the changed row is marked');
  assert.equal(await page.getAttribute('#imp-rows tr.imp-row[data-row="3"]', 'data-status'), 'updated');
  assert.equal((await call(u.tok.sup, 'GET', '/workorders/' + c1, undefined, { raw: true })).status, 404, 'the refused confirm wrote nothing');
  await page.click('#imp-confirm');
  await page.waitForSelector('#imp-done');
  assert.equal((await call(u.tok.sup, 'GET', '/workorders/' + c2)).customer.name, '变化客户二');

  // Bulk reassignment of an order someone changed since the list was drawn.
  await page.goto(BASE + '/console/orders');
  await page.waitForSelector(`#wo-list[data-ready] [data-pick="${c1}"]`);
  await page.check(`[data-pick="${c1}"]`);
  await page.check(`[data-pick="${c2}"]`);
  await call(u.tok.sup, 'PATCH', '/workorders/' + c2, { customer: { address: '成都市锦江区又改了 7 号' } });
  await page.selectOption('#wo-bulk [name=technician]', u.people.tech2.username);
  await page.click('#wo-reassign');
  await page.waitForSelector('.wo-listform [data-conflict=version_conflict]');
  assert.ok(await page.locator(`.wo-changed [data-wo="${c2}"]`).count(), 'names the order that changed');
  assert.equal((await call(u.tok.sup, 'GET', '/workorders/' + c1)).technician, tech, 'all or none: the other did not move');
  await page.click('.wo-listform [data-retry]');
  for (let i = 0; i < 50 && (await call(u.tok.sup, 'GET', '/workorders/' + c2)).technician !== u.people.tech2.username; i++) await new Promise((r) => setTimeout(r, 200));
  assert.equal((await call(u.tok.sup, 'GET', '/workorders/' + c1)).technician, u.people.tech2.username);
  assert.equal((await call(u.tok.sup, 'GET', '/workorders/' + c2)).technician, u.people.tech2.username);
  await ctx.close();
});

test('a supervisor of another unit sees nothing of this unit\'s orders', async () => {
  const id = `IMP-${u.stamp}-1`;
  const ctx = await desk(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, other.people.sup.username, '#supdash');
  await page.goto(BASE + '/console/orders');
  await page.waitForSelector('#wo-list[data-ready]');
  assert.ok(!(await page.textContent('#wo-list')).includes(u.stamp.toUpperCase()) && !(await page.textContent('#wo-list')).includes(u.stamp), 'none of this unit\'s orders');
  await page.goto(BASE + '/console/orders/' + encodeURIComponent(id));
  await page.waitForSelector('#wo-missing');
  // Their import cannot touch this unit's order either.
  await page.goto(BASE + '/console/orders/import');
  await page.waitForSelector('#imp-pick');
  await page.setInputFiles('#imp-file', csvFile(head + csvRow(id, '别组改的', u.people.tech.username)));
  await page.waitForSelector('#imp-rows[data-ready]');
  assert.equal(await page.getAttribute('#imp-rows tr.imp-row[data-row="2"]', 'data-status'), 'rejected');
  assert.ok(await page.isDisabled('#imp-confirm'));
  await ctx.close();
});
