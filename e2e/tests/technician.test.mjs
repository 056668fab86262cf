// The technician's screens as issue 14 found them: the online badge, drafts
// made by merely opening a sheet, finished orders' buttons, one order list
// per home page, the customer signing again after an edit, the signature's
// strokes, and the small layout faults. Runs as tech.wang (the other files
// use tech.zhang and tech.li).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, launch, phone, shot, uiLogin, fillAcceptance, apiLogin, apiGet } from './lib.mjs';

const TECH = 'tech.wang';
const FIX = (n) => path.resolve('fixtures', `site-${n}.jpg`);
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// newOrders gives tech.wang n orders of its own for today (the demo's two
// are filled in by other tests in the same run).
async function newOrders(n) {
  const sup = await apiLogin('sup.west');
  const stamp = Date.now().toString(36).toUpperCase();
  const ids = [];
  for (let i = 0; i < n; i++) {
    const id = `TEC${stamp}-${i}`;
    const res = await fetch(BASE + '/api/v1/workorders', { method: 'POST', headers: { Authorization: 'Bearer ' + sup, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id, type: 'install', product: 'broadband', subscribed_mbps: 500, technician: TECH,
        customer: { name: '测试客户', phone: '13912340002', address: '成都市高新区天府大道测试段3号', tier: 'standard' },
        appointment: { from: new Date(Date.now() + 1800e3).toISOString(), to: new Date(Date.now() + 5400e3).toISOString() } }) });
    assert.equal(res.status, 201, await res.text());
    ids.push(id);
  }
  return ids;
}

const sheets = (page) => page.evaluate(() => window.fieldcheck.db.all('sheets'));
const netWord = (page) => page.textContent('#net');

// contrast: WCAG contrast ratio of an element's text on its own background.
const contrast = (page, sel) => page.$eval(sel, (el) => {
  const rgb = (s) => s.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
    .reduce((a, c, i) => a + c * [0.2126, 0.7152, 0.0722][i], 0);
  const cs = getComputedStyle(el);
  const a = lum(rgb(cs.color)), b = lum(rgb(cs.backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
});

test('the online badge: 在线 on the login page, 离线 at once when the link drops, readable colours', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await page.goto(BASE + '/login');
  await page.waitForSelector('form.login');
  await page.waitForFunction(() => document.querySelector('#net')?.textContent === '在线', null, { timeout: 10000 });
  await uiLogin(page, TECH);
  assert.equal(await netWord(page), '在线');
  assert.ok(await contrast(page, '#net') >= 4.5, 'the 在线 badge reads at 4.5:1');
  assert.equal(await page.textContent('#pending'), '已全部发送');
  assert.ok(await contrast(page, '#pending') >= 4.5, 'the 已全部发送 badge reads at 4.5:1');
  await ctx.setOffline(true);
  await page.waitForFunction(() => document.querySelector('#net')?.textContent === '离线', null, { timeout: 2000 });
  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelector('#net')?.textContent === '在线', null, { timeout: 10000 });
  await ctx.close();
});

test('opening a sheet makes no draft; the first answer does; empty drafts go at the next start', async () => {
  const [first, second] = await newOrders(2);
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLogin(page, TECH);
  await page.waitForSelector(`article.order[data-order="${second}"]`);
  await page.click(`article.order[data-order="${first}"] a.btn.primary`);
  await page.waitForSelector('.checklist .item');
  await page.waitForTimeout(600); // past the autosave delay
  assert.deepEqual(await sheets(page), [], 'opening the sheet kept nothing');
  await page.click('a.btn.small:has-text("返回")');
  await page.waitForSelector(`article.order[data-order="${first}"]`);
  assert.equal(await page.textContent(`article.order[data-order="${first}"] a.btn.primary`), '填写验收单', 'no 草稿 on the card');
  await page.click('#pending');
  await page.waitForSelector('h2:has-text("待发送记录")');
  assert.equal(await page.locator('main article.card').count(), 0, 'nothing in the outbox');

  // The first answer makes the draft, and the sheet gets its address.
  await page.goto(BASE + '/orders/' + encodeURIComponent(first));
  await page.waitForSelector('.checklist .item');
  await page.click('.item[data-type="check"] button[data-value="true"] >> nth=0');
  await page.waitForURL('**/sheet/*');
  const kept = await sheets(page);
  assert.equal(kept.length, 1);
  assert.equal(kept[0].state, 'draft');

  // An empty draft left by an older version is removed at the next start;
  // the real draft stays.
  await page.evaluate(async ([wo, tplId, ver]) => {
    await window.fieldcheck.db.put('sheets', { id: 'e2e-empty-draft', template_id: tplId, template_version: ver, subject: { workorder_id: wo },
      base_version: 0, answers: {}, photos: {}, photo_meta: {}, state: 'draft', updated_at: new Date().toISOString() });
  }, [second, kept[0].template_id, kept[0].template_version]);
  await page.goto(BASE + '/');
  await page.waitForSelector('article.order');
  await page.waitForTimeout(300);
  const after = await sheets(page);
  assert.deepEqual(after.map((s) => s.id), [kept[0].id], 'the empty draft is gone, the real one kept');
  assert.equal(await page.textContent(`article.order[data-order="${second}"] a.btn.primary`), '填写验收单');
  await ctx.close();
});

test('finished orders open their sheet with 查看; products show by name', async () => {
  const ctx = await phone(browser);
  await ctx.addInitScript(() => localStorage.setItem('fc.names', JSON.stringify({ products: { broadband: { zh: '宽带', en: 'Broadband' } } })));
  const page = await ctx.newPage();
  await uiLogin(page, TECH);
  const meta = await page.textContent('article.order .meta');
  assert.match(meta, /宽带/, 'the product by its name');
  assert.doesNotMatch(meta, /broadband/, 'not its code');
  await page.waitForSelector('#earlier', { timeout: 30000 });
  await page.click('#earlier summary');
  await page.waitForSelector('#earlier article.order');
  const labels = await page.$$eval('#earlier article.order a.btn.primary', (els) => [...new Set(els.map((e) => e.textContent))]);
  assert.deepEqual(labels, ['查看验收单'], 'a finished order is looked at, not filled in');
  await ctx.close();
});

// cards counts each order's cards and the list headings on the home page.
const cards = (page) => page.evaluate(() => {
  const ids = [...document.querySelectorAll('main article.order')].map((e) => e.dataset.order);
  return { n: ids.length, distinct: new Set(ids).size, headings: document.querySelectorAll('main > h2').length };
});

test('the home page draws its order list once: after a sync back online, and after home → outbox → home', async () => {
  const [wo] = await newOrders(1);
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLogin(page, TECH);
  await page.waitForTimeout(1000);
  const once = await cards(page);
  assert.equal(once.n, once.distinct, 'each order once after login');

  // Back online: the first sync redraws the list once.
  await ctx.setOffline(true);
  await page.waitForTimeout(1500);
  await ctx.setOffline(false);
  await page.evaluate(() => window.fieldcheck.sync.syncNow('e2e-online'));
  await page.waitForTimeout(1500);
  assert.deepEqual(await cards(page), once, 'each order once after the sync back online');

  // A saved draft, then home → outbox → home, then the draft changes.
  await page.goto(BASE + '/orders/' + encodeURIComponent(wo));
  await page.waitForSelector('.checklist .item');
  await page.click('.item[data-type="check"] button[data-value="true"] >> nth=0');
  await page.waitForURL('**/sheet/*');
  await page.click('a.btn.small:has-text("返回")');
  await page.waitForSelector('article.order');
  await page.click('#pending');
  await page.waitForSelector('h2:has-text("待发送记录")');
  await page.click('header a.brand');
  await page.waitForSelector('article.order');
  await page.waitForTimeout(500);
  const home = await cards(page);
  await page.evaluate(async () => {
    const [s] = await window.fieldcheck.db.all('sheets');
    s.answers.survey_suggestions = '改了一处';
    await window.fieldcheck.sync.saveSheet(s);
  });
  await page.waitForTimeout(1500);
  const again = await cards(page);
  assert.equal(again.n, again.distinct, `each order once after a change (${again.n} cards for ${again.distinct} orders)`);
  assert.deepEqual(again, home);
  await ctx.close();
});

test('an edit after the customer signed warns, and the customer signs again: no edited_after_signature', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  const [wo] = await newOrders(1);
  await uiLogin(page, TECH);
  await page.waitForSelector(`article.order[data-order="${wo}"]`);
  await page.click(`article.order[data-order="${wo}"] a.btn.primary`);
  await page.waitForSelector('.checklist .item');

  // Small layout: the need for two photos is said before the first; the
  // 0–5 rating fits one row; 室内布线's four options are not squeezed; the
  // map link is a 44 px target.
  assert.match(await page.textContent('.item[data-item="photo_install"]'), /需拍 2 张照片/);
  const rating = await page.$eval('.item[data-type="rating"]', (it) => [...it.querySelectorAll('.segbtn')].map((b) => Math.round(b.getBoundingClientRect().top)));
  assert.equal(new Set(rating).size, 1, '0–5 on one row: ' + rating.join(','));
  const wiring = await page.$$eval('.item[data-item="indoor_wiring"] .segbtn', (els) => els.map((b) => b.getBoundingClientRect().height));
  const line = await page.$eval('.item[data-item="indoor_wiring"] .segbtn', (b) => parseFloat(getComputedStyle(b).lineHeight) || 24);
  assert.ok(wiring.every((hgt) => hgt <= Math.max(48, 2 * line + 12)), '室内布线 buttons at most two lines: ' + wiring.join(','));
  const map = await page.$eval('article.order a[href*="amap"]', (a) => a.getBoundingClientRect().toJSON());
  assert.ok(map.width >= 44 && map.height >= 44, `地图 link ${map.width}×${map.height}`);

  await fillAcceptance(page, [FIX(1), FIX(2), FIX(3)], { downMbps: 480 });
  await page.click('#submit');
  await page.waitForSelector('[data-state="sent"]', { timeout: 60000 });
  const sheetId = page.url().split('/').pop();
  const tech = await apiLogin(TECH);
  const v1 = await apiGet(tech, '/submissions/' + sheetId);
  const sig1 = v1.answers.customer_signature;
  assert.equal(typeof sig1, 'object', 'the signature answer carries its strokes');
  assert.match(sig1.sha256, /^[0-9a-f]{64}$/);
  assert.equal(sig1.strokes.length, 2, 'two strokes drawn, two kept');
  for (const s of sig1.strokes) {
    assert.ok(s.length >= 2);
    for (const [i, p] of s.entries()) {
      assert.equal(p.length, 3);
      if (i) assert.ok(p[2] >= s[i - 1][2], 'times run forward');
    }
  }
  assert.equal(v1.complete, true, 'the signature image arrived: ' + JSON.stringify(v1.missing_photos));

  // Edit the signed sheet: a warning, and a way to let the customer sign again.
  await page.click('button:has-text("修改")');
  await page.waitForSelector('#resign');
  assert.match(await page.textContent('#resign'), /签名会留在改动后的验收单上/);
  await shot(page, 'tech-resign-warning');
  await page.fill('.item[data-item="splitter_location"] textarea', '改到了客厅 / moved to the living room');
  await page.click('#resign button');
  await page.waitForSelector('.item[data-type="signature"] canvas.sigpad');
  assert.equal(await page.locator('#resign').count(), 0, 'no warning once the signature is cleared');
  const sel = '.item[data-type="signature"]';
  const box = await page.locator(`${sel} canvas.sigpad`).boundingBox();
  await page.mouse.move(box.x + 40, box.y + 100);
  await page.mouse.down();
  for (let i = 0; i <= 15; i++) await page.mouse.move(box.x + 40 + i * 14, box.y + 100 + Math.cos(i / 2) * 40, { steps: 2 });
  await page.mouse.up();
  await page.click(`${sel} button.primary`);
  await page.waitForSelector(`${sel} img.sigimg`);
  assert.equal(await page.locator('#resign').count(), 0);
  await page.click('#submit');
  await page.waitForFunction(() => document.querySelector('.state')?.dataset.state === 'sent' && document.querySelector('.okbox')?.textContent.includes('2'), null, { timeout: 60000 });
  const v2 = await apiGet(tech, '/submissions/' + sheetId);
  assert.equal(v2.version, 2);
  assert.notEqual(v2.answers.customer_signature.sha256, sig1.sha256, 'a new signature');
  assert.ok(!(v2.flags || []).includes('edited_after_signature'), 'signed again: not edited after signature: ' + JSON.stringify(v2.flags));
  assert.equal(v2.complete, true);
  await ctx.close();
});
