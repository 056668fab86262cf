// Forms that fit the job (issue 19): the acceptance sheet shows a removal, a
// phone-only install and a broadband repair only what applies to each —
// online and offline, changing as answers change — a sheet filled offline is
// judged by the server on the order the phone had, and a sheet on an older
// template version (or from last week's app) still syncs. Runs as tech.wang
// with the demo's three such orders and orders of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, launch, phone, shot, uiLogin, fillAcceptance, apiLogin, apiGet } from './lib.mjs';

const TECH = 'tech.wang';
const FIX = (n) => path.resolve('fixtures', `site-${n}.jpg`);
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function call(token, method, p, body) {
  const res = await fetch(BASE + '/api/v1' + p, { method, headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, text };
}

// newOrder gives tech.wang an order of its own for today.
async function newOrder(type, product, mbps = 0) {
  const sup = await apiLogin('sup.west');
  const id = `FRM${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e4)}`;
  const r = await call(sup, 'POST', '/workorders', { id, type, product, subscribed_mbps: mbps, technician: TECH,
    customer: { name: '表单客户', phone: '13912340019', address: '成都市武侯区表单路19号', tier: 'standard' },
    appointment: { from: new Date(Date.now() + 1800e3).toISOString(), to: new Date(Date.now() + 5400e3).toISOString() } });
  assert.equal(r.status, 201, r.text);
  return id;
}

// until polls fn (up to 15 s) for a truthy answer.
async function until(fn) {
  for (let i = 0; i < 150; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

const shown = (page, id) => page.isVisible(`.item[data-item="${id}"]`);

async function expectItems(page, what, yes, no) {
  for (const id of yes) assert.ok(await shown(page, id), `${what}: ${id} is asked`);
  for (const id of no) assert.equal(await shown(page, id), false, `${what}: ${id} is not asked`);
}

async function openOrder(page, sel) {
  await page.click(`${sel} a.btn.primary`);
  await page.waitForSelector('.checklist .item');
}

async function back(page) {
  await page.click('a.btn.small:has-text("返回")');
  await page.waitForSelector('article.order');
}

const REMOVAL = [['equipment_recovered', 'equipment_list', 'jumpers_removed', 'photo_recovered', 'site_cleaned', 'customer_signature'],
  ['speedtest', 'modem_label', 'browsing_demo', 'photo_modem_label', 'account_explained', 'indoor_wiring', 'fault_found', 'phone_dial_test']];
const PHONE_INSTALL = [['phone_dial_test', 'phone_number_told', 'indoor_wiring', 'photo_install', 'customer_signature'],
  ['speedtest', 'modem_label', 'photo_modem_label', 'computer_checked', 'photo_wiring_run', 'fault_found', 'equipment_recovered', 'iptv_live_ok']];
const BB_REPAIR = [['fault_found', 'fault_fixed_how', 'service_restored', 'hidden_dangers_checked', 'speedtest'],
  ['account_explained', 'modem_label', 'browsing_demo', 'photo_modem_label', 'equipment_recovered', 'indoor_wiring', 'fault_escalated', 'phone_dial_test']];

test('a removal, a phone-only install and a broadband repair each ask only what applies, online and offline', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await uiLogin(page, TECH);
  // The demo's three orders of issue 19, by customer.
  const removal = 'article.order:has-text("罗永红")', install = 'article.order:has-text("唐建国")', repair = 'article.order:has-text("许美玲")';
  await page.waitForSelector(repair);

  await openOrder(page, removal);
  await expectItems(page, 'removal', ...REMOVAL);
  assert.equal(await page.isVisible('section.sec:has(.item[data-item="speedtest"])'), false, 'the broadband section is not shown at all');
  await shot(page, 'forms-01-removal');
  await back(page);

  await openOrder(page, install);
  await expectItems(page, 'phone-only install', ...PHONE_INSTALL);
  // 室内布线 明线 asks for a photo of the run, at once; 暗敷 does not.
  await page.click('.item[data-item="indoor_wiring"] button[data-value="trunking"]');
  assert.ok(await shown(page, 'photo_wiring_run'), '明线 asks for the photo of the run');
  await shot(page, 'forms-02-phone-install-surface-run');
  await page.click('.item[data-item="indoor_wiring"] button[data-value="concealed"]');
  assert.equal(await shown(page, 'photo_wiring_run'), false, '暗敷 does not');
  await back(page);

  await openOrder(page, repair);
  await expectItems(page, 'broadband repair', ...BB_REPAIR);
  await page.click('.item[data-item="fault_found"] button[data-value="network"]');
  assert.ok(await shown(page, 'fault_escalated'), 'a fault in the network asks whether it was passed on');
  await shot(page, 'forms-03-broadband-repair');
  await back(page);

  // The same with no network: templates and orders come from the phone.
  await ctx.setOffline(true);
  await page.reload();
  await page.waitForSelector(repair);
  await openOrder(page, removal);
  await expectItems(page, 'removal offline', ...REMOVAL);
  await back(page);
  await openOrder(page, repair); // the draft kept from above: 局端或外线
  await expectItems(page, 'broadband repair offline', ...BB_REPAIR.map((l) => l.filter((x) => x !== 'fault_escalated')));
  assert.ok(await shown(page, 'fault_escalated'), 'offline, the kept answer still shows its follow-up');
  await ctx.setOffline(false);
  await ctx.close();
});

test('a phone-only install filled offline syncs; the server judges it on the order the phone had', async () => {
  const id = await newOrder('install', '固话');
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLogin(page, TECH);
  const sel = `article.order[data-order="${id}"]`;
  await page.waitForSelector(sel);
  await ctx.setOffline(true);
  await openOrder(page, sel);
  assert.equal(await shown(page, 'speedtest'), false, 'no broadband speed for a phone-only install');
  await fillAcceptance(page, [FIX(1), FIX(2), FIX(3)], { downMbps: 1 });
  await page.click('#submit');
  await page.waitForSelector('[data-state="queued"]');
  const sheetId = page.url().split('/').pop();
  const local = await page.evaluate((i) => window.fieldcheck.db.get('sheets', i), sheetId);
  assert.equal(local.order_facts.order_type, 'install');
  assert.ok(local.order_version >= 1, 'the sheet says which order version it was judged on');
  assert.equal(local.answers.speedtest, undefined);
  await ctx.setOffline(false);
  await page.evaluate(() => window.fieldcheck.sync.syncNow('e2e-online'));
  await page.waitForSelector('[data-state="sent"]', { timeout: 60000 });
  const sup = await apiLogin('sup.west');
  const sub = await apiGet(sup, '/submissions/' + encodeURIComponent(sheetId));
  assert.equal(sub.judged_on.order_type, 'install');
  assert.equal(sub.judged_on.product, '固话');
  assert.equal(sub.order_version, local.order_version);
  assert.ok(!sub.flags.includes('order_changed'), 'judged on the order as it is');
  assert.ok(sub.passed);
  await ctx.close();
});

test('a sheet begun on an older template version, and one from last week\'s app, still sync', async () => {
  const id = await newOrder('removal', '宽带');
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLogin(page, TECH);
  const sel = `article.order[data-order="${id}"]`;
  await page.waitForSelector(sel);
  await openOrder(page, sel);
  await page.fill('.item[data-item="equipment_list"] textarea', '光猫 1 台');
  const draft = await until(async () => (await page.evaluate(() => window.fieldcheck.db.all('sheets'))).find((s) => s.subject.workorder_id === id && s.answers?.equipment_list));
  const old = draft.template_version;

  // Meanwhile the template gets a new version (an upgrade, an edit).
  const admin = await apiLogin('admin');
  const tpl = (await call(admin, 'GET', '/templates/install_acceptance')).json;
  const put = await call(admin, 'PUT', '/templates/install_acceptance', tpl);
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.version, old + 1);
  await page.evaluate(() => window.fieldcheck.sync.syncNow('e2e'));
  await until(() => page.evaluate((v) => window.fieldcheck.db.get('templates', 'install_acceptance@' + v), old + 1));

  // Last week's app showed every item: it answered the speed test and the
  // modem label too. The draft keeps its version; those answers are ignored.
  await page.evaluate(async (i) => {
    const s = (await window.fieldcheck.db.all('sheets')).find((x) => x.subject.workorder_id === i);
    s.answers.speedtest = { down_mbps: 2, method: 'manual' };
    s.answers.modem_label = false;
    await window.fieldcheck.sync.saveSheet(s);
  }, id);
  await page.goto(BASE + '/sheet/' + encodeURIComponent(draft.id));
  await page.waitForSelector('.checklist .item');
  await fillAcceptance(page, [FIX(4), FIX(5), FIX(6)], { downMbps: 1 });
  await page.click('#submit');
  await page.waitForSelector('[data-state="sent"]', { timeout: 60000 });
  const tech = await apiLogin(TECH);
  const sub = await apiGet(tech, '/submissions/' + encodeURIComponent(draft.id));
  assert.equal(sub.template_version, old, 'filed against the version it was begun on');
  assert.ok(sub.passed, 'the hidden speed test is not judged');

  // A push as last week's app sends it: no order version, every item answered.
  const id2 = await newOrder('removal', '宽带');
  const answers = {};
  for (const s of tpl.sections) for (const it of s.items) {
    const v = { check: true, pass_fail: 'pass', choice: it.choices?.[0]?.id, text: '无', rating: 5, signature: 'a'.repeat(64),
      speedtest: { down_mbps: 3, method: 'manual' } }[it.type];
    if (v !== undefined) answers[it.id] = v;
  }
  const photos = { photo_install: ['1'.repeat(64), '2'.repeat(64)], photo_modem_label: ['3'.repeat(64)], photo_recovered: ['4'.repeat(64)], photo_wiring_run: ['5'.repeat(64)] };
  const res = await call(tech, 'POST', '/sync/push', { device_id: 'e2e-last-week', submissions: [{ id: crypto.randomUUID(), template_id: 'install_acceptance',
    template_version: old, subject: { workorder_id: id2 }, base_version: 0, finished_at: new Date().toISOString(), answers, photos }] });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.results[0].status, 'accepted', JSON.stringify(res.json.results[0]));
  await ctx.close();
});
