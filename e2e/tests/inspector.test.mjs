// The inspector's screens (issue 8): a store walkthrough walked with no
// signal, its live tally against what the server scores, score.js against
// the Go scorer on more answer sets, and each store's history offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BASE, launch, shot, login, loginOfRole, apiLogin, apiGet, pendingCount, SHOTS_DIR } from './lib.mjs';

const FIX = (n) => path.resolve('fixtures', `site-${n}.jpg`);
const DOCS = SHOTS_DIR + '/'; // docs/screenshots with make screenshots, else artifacts
mkdirSync(DOCS, { recursive: true });
const INSPECTOR = 'insp.zhao';
const WALKED = 'SC-CD-001'; // walked through the UI
const PROBED = 'SC-CD-002'; // answer sets pushed through the API

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// A 390×844 phone at scale 1, so the committed screenshots stay small.
function phone1() {
  return browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'allow',
  });
}

// inspectorLogin logs in through the form and waits for the store list and
// for the service worker to hold the shell.
async function inspectorLogin(page) {
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', INSPECTOR);
  await page.fill('input[name=password]', login(INSPECTOR).password);
  await page.click('button[type=submit]');
  await page.waitForSelector('article.store', { timeout: 30000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
}

async function apiSend(token, method, p, body) {
  const res = await fetch(BASE + '/api/v1' + p, {
    method, headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// tally reads the live tally as the screen shows it.
const tally = (page) => page.$eval('#tally', (el) => ({
  score: Number(el.dataset.score), max_score: Number(el.dataset.max),
  percent: el.dataset.percent === '' ? null : Number(el.dataset.percent),
  grade: el.dataset.grade || null, fines: Number(el.dataset.fines), passed: el.dataset.passed === 'true',
}));

// pageScore runs the phone's score.js on a template and answers.
const pageScore = (page, tpl, answers) => page.evaluate(async ([tp, a]) => (await import('/js/score.js')).score(tp, a), [tpl, answers]);

const dedRows = (list) => list.map((d) => [d.item_id, d.points, d.fine, !!d.excluded, d.count ?? null]);

// sameScore: the phone's result equals the server's on every scored figure.
function sameScore(server, phone, what) {
  for (const k of ['score', 'max_score', 'percent', 'grade', 'fines', 'passed']) assert.deepEqual(phone[k], server[k], `${what}: ${k}`);
  assert.deepEqual(phone.failed_critical, server.failed_critical || [], `${what}: failed_critical`);
  assert.deepEqual(dedRows(phone.deductions), dedRows(server.deductions), `${what}: deductions`);
}

async function passFail(page, id, v) {
  await page.click(`.item[data-item="${id}"] button[data-value="${v}"]`);
}

test('a store walkthrough walked offline: the live tally is what the server scores', async () => {
  const ctx = await phone1();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await inspectorLogin(page);
  await page.waitForSelector(`article.store[data-store="${WALKED}"] button.start`);
  assert.ok(!(await page.textContent('main')).includes(WALKED), 'stores are named; their codes stay off the screen');

  await ctx.setOffline(true);
  await page.click(`article.store[data-store="${WALKED}"] button.start`);
  await page.waitForSelector('.checklist .item');
  assert.deepEqual(await tally(page), { score: 0, max_score: 0, percent: null, grade: null, fines: 0, passed: true },
    'nothing answered: no scored item in play, percent and grade null');

  // 门前环境 dirty: −2, 100 yuan, and its photo item asks for the evidence.
  await passFail(page, 'storefront', 'fail');
  assert.deepEqual(await tally(page), { score: 0, max_score: 2, percent: 0, grade: 'fail', fines: 100, passed: true });
  assert.equal(await page.locator('.item[data-item="photo_storefront"].want').count(), 1, 'photo of the finding asked for');
  await page.setInputFiles('.item[data-item="photo_storefront"] input[data-pick]', FIX(1));
  await page.waitForSelector('.item[data-item="photo_storefront"] img[data-sha]');
  assert.equal(await page.locator('.item[data-item="photo_storefront"].want').count(), 0, 'the photo answers the prompt');

  await passFail(page, 'vi_signage', 'pass');
  await passFail(page, 'led_display', 'na'); // 1 point out of play
  await passFail(page, 'hours_sign', 'pass');
  await passFail(page, 'functional_zones', 'fail'); // −2, 100 yuan
  assert.deepEqual(await tally(page), { score: 2, max_score: 6, percent: 33.33, grade: 'fail', fines: 200, passed: true });
  // 厅内环境 6 instances: −4 capped, 200 yuan.
  await page.fill('.item[data-item="hall_environment"] input', '6');
  await page.press('.item[data-item="hall_environment"] input', 'Tab');
  assert.deepEqual(await tally(page), { score: 3, max_score: 11, percent: 27.27, grade: 'fail', fines: 400, passed: true });
  await page.setInputFiles('.item[data-item="photo_hall_environment"] input[data-pick]', FIX(2));
  await page.waitForSelector('.item[data-item="photo_hall_environment"] img[data-sha]');
  // 服务基础设施 two instances with the stepper: −2, 100 yuan.
  await page.click('.item[data-item="service_facilities"] .stepper button:has-text("+")');
  await page.click('.item[data-item="service_facilities"] .stepper button:has-text("+")');
  await page.fill('.item[data-item="remarks"] textarea', '厅内宣传资料摆放无序，排号机故障 / leaflets in disorder, queue machine down');

  const live = await tally(page);
  assert.deepEqual(live, { score: 7, max_score: 17, percent: 41.18, grade: 'fail', fines: 500, passed: true });
  assert.equal(await page.textContent('#tally .t-score'), '7 / 17');
  assert.equal(await page.textContent('#tally .t-fines'), '500 元');
  assert.equal(await page.textContent('#tally .t-grade'), '不合格');
  assert.equal(await page.locator('#tally .t-list li').count(), 4, 'four items deducted');
  await page.$eval('.item[data-item="hall_environment"]', (el) => el.scrollIntoView({ block: 'start' }));
  await page.click('#tally summary');
  await page.screenshot({ path: path.join(DOCS, 'inspector-walk.png') });
  await page.click('#tally summary');

  await page.setViewportSize({ width: 360, height: 780 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'walk: no horizontal scroll at 360 px');
  await page.setViewportSize({ width: 390, height: 844 });

  await page.click('#submit');
  await page.waitForSelector('[data-state="queued"]');
  const sheetId = page.url().split('/').pop();
  assert.equal(await pendingCount(page), 1);

  // Reload with no network: the sheet, its photos and its tally come back.
  await page.reload();
  await page.waitForSelector('.checklist .item');
  assert.equal(await page.getAttribute('.state', 'data-state'), 'queued');
  assert.deepEqual(await tally(page), live, 'the tally is the same after a reload');
  await shot(page, 'insp-01-queued-offline');

  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 90000 });
  await page.waitForSelector('[data-state="sent"]', { timeout: 30000 });

  const insp = await apiLogin(INSPECTOR);
  const sub = await apiGet(insp, '/submissions/' + sheetId);
  assert.equal(sub.subject.store_id, WALKED);
  assert.equal(sub.complete, true, 'both finding photos arrived: ' + JSON.stringify(sub.missing_photos));
  assert.equal(Object.values(sub.photos).flat().length, 2);
  for (const k of ['score', 'max_score', 'percent', 'grade', 'fines', 'passed']) assert.deepEqual(sub[k], live[k], `server ${k} equals the live tally`);
  const local = await page.evaluate(async (id) => {
    const sh = await window.fieldcheck.db.get('sheets', id);
    return { answers: sh.answers, tpl: await window.fieldcheck.db.get('templates', sh.template_id + '@' + sh.template_version) };
  }, sheetId);
  sameScore(sub, await pageScore(page, local.tpl, local.answers), 'the walked sheet');
  await ctx.close();
});

test('score.js scores every answer set exactly as the server does', async () => {
  const ctx = await phone1();
  const page = await ctx.newPage();
  await page.goto(BASE + '/login');
  const insp = await apiLogin(INSPECTOR);
  const sup = await apiLogin(loginOfRole('supervisor').username);

  // A probe template with what the built-ins lack: scored and critical
  // checks, fractional per-instance points, caps on points and fines, an
  // optional scored item, and its own grading bands.
  const probe = {
    kind: 'walkthrough', title: { zh: '计分核对', en: 'Scoring probe' },
    grading: [{ id: 'pass', min: 60, label: { zh: '合格', en: 'Pass' } }, { id: 'below', min: 0, label: { zh: '不合格', en: 'Below' } }],
    sections: [{ id: 's', title: { zh: '项目', en: 'Items' }, items: [
      { id: 'a', type: 'check', label: { zh: '甲' }, required: true, score: { max: 3, fine_per_point: 20, fine_cap: 50 } },
      { id: 'b', type: 'check', label: { zh: '乙' }, required: true, critical: true, score: { max: 1 } },
      { id: 'c', type: 'count', label: { zh: '丙' }, required: true, score: { max: 20, per_instance: 0.1 } },
      { id: 'd', type: 'count', label: { zh: '丁' }, required: false, score: { max: 5, per_instance: 2, cap: 4, fine_per_point: 15, fine_cap: 45 } },
      { id: 'e', type: 'pass_fail', label: { zh: '戊' }, required: true, critical: true, score: { max: 2, fine_per_point: 10 } },
    ] }],
  };
  const put = await apiSend(sup, 'PUT', '/templates/e2e_score_probe', probe);
  const walk = await apiGet(insp, '/templates/store_walkthrough');
  const spot = await apiGet(insp, '/templates/home_visit_spotcheck');
  const probeTpl = await apiGet(insp, '/templates/e2e_score_probe?version=' + put.version);
  const orders = await apiGet(insp, '/workorders');
  const order = orders.items.find((o) => o.status !== 'cancelled');
  assert.ok(order, 'an order of the inspector’s unit to spot-check');

  const allPass = (tpl) => Object.fromEntries(tpl.sections.flatMap((s) => s.items).filter((i) => i.type === 'pass_fail').map((i) => [i.id, 'pass']));
  const cases = [
    ['walkthrough: nothing found, full marks', walk, { store_id: PROBED }, { ...allPass(walk), hall_environment: 0, service_facilities: 0 },
      { score: 18, max_score: 18, percent: 100, grade: 'excellent', fines: 0 }],
    ['walkthrough: 营业时间牌 fail, 厅内环境 1: 88.89 good', walk, { store_id: PROBED }, { ...allPass(walk), hours_sign: 'fail', hall_environment: 1, service_facilities: 0 },
      { score: 16, max_score: 18, percent: 88.89, grade: 'good', fines: 100 }],
    ['walkthrough: n/a items, 服务基础设施 7 capped at −6, 300 yuan', walk, { store_id: PROBED },
      { ...allPass(walk), storefront: 'na', vi_signage: 'fail', hours_sign: 'na', hall_environment: 3, service_facilities: 7 },
      { score: 5, max_score: 15, percent: 33.33, grade: 'fail', fines: 500 }],
    ['walkthrough: everything wrong, fines add up to 850 yuan', walk, { store_id: PROBED },
      { storefront: 'fail', vi_signage: 'fail', led_display: 'fail', hours_sign: 'fail', functional_zones: 'fail', hall_environment: 9, service_facilities: 9 },
      { score: 1, max_score: 18, percent: 5.56, grade: 'fail', fines: 850 }],
    ['spot check: no shoe covers, no drop cloth, computer n/a', spot, { workorder_id: order.id },
      { ...allPass(spot), shoe_covers: 'fail', drop_cloth: 'fail', computer_checked: 'na' },
      { score: 9, max_score: 11, percent: 81.82, grade: 'improve', fines: 80 }],
    ['probe: check false fine capped at 50, 0.1 × 3 without float noise', probeTpl, { store_id: PROBED }, { a: false, b: true, c: 3, e: 'pass' },
      { score: 22.7, max_score: 26, percent: 87.31, grade: 'pass', fines: 50, passed: true }],
    ['probe: two critical failures fail a passing score, capped count and fine', probeTpl, { store_id: PROBED }, { a: true, b: false, c: 0, d: 3, e: 'fail' },
      { score: 24, max_score: 31, percent: 77.42, grade: 'pass', fines: 65, passed: false }],
    ['probe: below the template’s own 60 band', probeTpl, { store_id: PROBED }, { a: false, b: true, c: 101, d: 0, e: 'na' },
      { score: 15.9, max_score: 29, percent: 54.83, grade: 'below', fines: 50, passed: true }],
  ];
  for (const [i, [what, tpl, subject, answers, want]] of cases.entries()) {
    const id = randomUUID();
    const finished = Date.now() - (cases.length - i) * 3600e3; // an hour apart, oldest first
    const res = await apiSend(insp, 'POST', '/sync/push', { device_id: 'e2e-score', submissions: [{
      id, template_id: tpl.id, template_version: tpl.version, subject, base_version: 0,
      started_at: new Date(finished - 1800e3).toISOString(), finished_at: new Date(finished).toISOString(), answers,
    }] });
    assert.equal(res.results[0].status, 'accepted', what + ': ' + JSON.stringify(res.results[0]));
    const server = await apiGet(insp, '/submissions/' + id);
    const phone = await pageScore(page, tpl, answers);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(server[k], v, `${what}: the server's ${k}`);
    sameScore(server, phone, what);
  }
  await ctx.close();
});

test('home shows each store’s last grade; history with its trend reads offline', async () => {
  const ctx = await phone1();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await inspectorLogin(page);
  const insp = await apiLogin(INSPECTOR);
  const listed = (await apiGet(insp, '/submissions?store_id=' + PROBED)).items;
  // Instants, not strings: the server writes +08:00 and a phone's sheet Z.
  const at = (s) => Date.parse(s.finished_at);
  const latest = listed.slice().sort((a, b) => at(b) - at(a))[0];

  // The home fetches the inspector's own list and files it by store.
  await page.waitForSelector(`article.store[data-store="${PROBED}"] .last[data-grade="${latest.grade}"]`, { timeout: 30000 });
  await page.waitForSelector(`article.store[data-store="${WALKED}"] .last[data-grade="fail"]`);
  assert.equal(await page.getAttribute(`article.store[data-store="${WALKED}"] .last`, 'data-percent'), '41.18');
  await page.screenshot({ path: path.join(DOCS, 'inspector-home.png') });
  await page.setViewportSize({ width: 360, height: 780 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'home: no horizontal scroll at 360 px');
  await page.setViewportSize({ width: 390, height: 844 });

  await page.click(`article.store[data-store="${PROBED}"] a:has-text("历史")`);
  await page.waitForSelector('#history .hrow');
  await page.waitForSelector('#fetched:has-text("更新于")');
  const rows = await page.locator('#history .hrow').count();
  assert.equal(rows, listed.length, 'every inspection the server lists for the store');
  const points = (await page.getAttribute('svg.spark', 'data-points')).split(',').map(Number);
  const want = listed.filter((s) => s.percent != null).sort((a, b) => at(a) - at(b)).map((s) => s.percent);
  assert.deepEqual(points, want, 'the sparkline is percent over time, oldest first');
  assert.equal(await page.locator('svg.spark polyline').count(), 1);
  await shot(page, 'insp-02-history');

  // No signal: the history is read from what was last fetched.
  await ctx.setOffline(true);
  await page.reload();
  await page.waitForSelector('#history .hrow');
  assert.equal(await page.locator('#history .hrow').count(), rows, 'history readable offline');
  assert.match(await page.textContent('#fetched'), /离线|更新于/);
  assert.deepEqual((await page.getAttribute('svg.spark', 'data-points')).split(',').map(Number), want);
  await page.setViewportSize({ width: 360, height: 780 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'history: no horizontal scroll at 360 px');
  await shot(page, 'insp-03-history-offline');
  await ctx.close();
});

test('a spot check of a technician’s order is picked from the unit’s orders and walks offline', async () => {
  const ctx = await phone1();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await inspectorLogin(page);
  await page.click('#spotcheck');
  await page.waitForSelector('article.spot');
  const orderId = await page.getAttribute('article.spot >> nth=0', 'data-order');
  await ctx.setOffline(true);
  await page.click(`article.spot[data-order="${orderId}"] button.primary`);
  await page.waitForSelector('.checklist .item[data-item="shoe_covers"]');
  const ids = await page.$$eval('.item[data-type="pass_fail"]', (els) => els.map((e) => e.dataset.item));
  for (const id of ids) await passFail(page, id, id === 'shoe_covers' ? 'fail' : 'pass');
  assert.deepEqual(await tally(page), { score: 11, max_score: 12, percent: 91.67, grade: 'excellent', fines: 50, passed: true });
  assert.equal(await page.locator('.item[data-item="photo_evidence"].want').count(), 1, 'the record photo is asked for');
  await page.setInputFiles('.item[data-item="photo_evidence"] input[data-pick]', FIX(3));
  await page.waitForSelector('.item[data-item="photo_evidence"] img[data-sha]');
  await page.click('#submit');
  await page.waitForSelector('[data-state="queued"]');
  const sheetId = page.url().split('/').pop();

  // The same screen in English (the choice is the person's, kept on the phone).
  await page.evaluate(() => localStorage.setItem('fc.lang', 'en'));
  await page.reload();
  await page.waitForSelector('#tally');
  assert.match(await page.textContent('#tally .t-main'), /Score.*Percent.*Grade.*Fines/s);
  assert.equal(await page.textContent('#tally .t-grade'), 'Excellent');
  assert.equal(await page.textContent('#tally .t-fines'), '¥50');
  assert.equal(await page.locator('#submit').count(), 0, 'a queued sheet is read-only');

  await ctx.setOffline(false);
  await page.waitForSelector('[data-state="sent"]', { timeout: 90000 });
  const sub = await apiGet(await apiLogin(INSPECTOR), '/submissions/' + sheetId);
  assert.equal(sub.subject.workorder_id, orderId);
  assert.deepEqual([sub.score, sub.max_score, sub.percent, sub.grade, sub.fines], [11, 12, 91.67, 'excellent', 50]);
  await ctx.close();
});

test('issue 14: 开始巡检 draws only the walk; an early deduction does not read as 不合格; a sent walk asks for no photos', async () => {
  const ctx = await phone1();
  await ctx.addInitScript(() => localStorage.setItem('fc.names', JSON.stringify({ units: { 'chengdu-east': { zh: '成都东区', en: 'Chengdu East' } } })));
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await inspectorLogin(page);
  const store = WALKED;
  const card = await page.textContent(`article.store[data-store="${store}"]`);
  assert.match(card, /成都东区/, 'the unit by its name');
  assert.doesNotMatch(card, /chengdu-east/, 'not its code');
  await page.waitForSelector(`article.store[data-store="${store}"] button.start`);
  // Merely opening a walk keeps nothing: back home, no draft, no outbox entry.
  const sheetsOf = () => page.evaluate((st) => window.fieldcheck.db.all('sheets').then((l) => l.filter((x) => x.subject?.store_id === st).length), store);
  const before = await sheetsOf();
  await page.click(`article.store[data-store="${store}"] button.start`);
  await page.waitForSelector('.checklist .item');
  await page.click('a.btn.small:has-text("返回")');
  await page.waitForSelector(`article.store[data-store="${store}"] button.start`);
  assert.equal(await sheetsOf(), before, 'an untouched walk is not kept');
  assert.equal(await page.locator(`article.store[data-store="${store}"] a:has-text("继续巡检")`).count(), 0, 'nothing to continue');
  await page.click(`article.store[data-store="${store}"] button.start`);
  await page.waitForSelector('.checklist .item');
  await page.waitForTimeout(1500); // any late home render would land by now
  assert.equal(await page.locator('main article.store').count(), 0, 'no store cards below the walk');
  assert.equal(await page.locator('main #spotcheck').count(), 0, 'no 入户抽查 below the walk');
  assert.equal(await page.locator('main h2:has-text("我的网点")').count(), 0);

  // One deduction among seven scored items: a running score, not a verdict.
  await passFail(page, 'storefront', 'fail');
  await page.waitForFunction(([st, n]) => window.fieldcheck.db.all('sheets').then((l) => l.filter((x) => x.subject?.store_id === st).length === n), [store, before + 1]);
  const el = await page.$eval('#tally', (e) => ({ cls: e.className, partial: e.dataset.partial, grade: e.querySelector('.t-grade').textContent, text: e.querySelector('.t-main').textContent }));
  assert.equal(el.partial, 'true');
  assert.doesNotMatch(el.text, /不合格/, 'no 不合格 after one answer: ' + el.text);
  assert.match(el.grade, /^1\/\d+ 项$/, 'how much is checked: ' + el.grade);
  assert.doesNotMatch(el.cls, /tg-fail|failed/, 'no alarm colour: ' + el.cls);
  await shot(page, 'insp-04-running-score');

  // Everything else passes; no photo is taken for the finding; send it.
  const ids = await page.$$eval('.item[data-type="pass_fail"]', (els) => els.map((e) => e.dataset.item));
  for (const id of ids) if (id !== 'storefront') await passFail(page, id, 'pass');
  for (const id of await page.$$eval('.item[data-type="count"]', (els) => els.map((e) => e.dataset.item))) {
    await page.fill(`.item[data-item="${id}"] input`, '0');
    await page.press(`.item[data-item="${id}"] input`, 'Tab');
  }
  assert.equal(await page.getAttribute('#tally', 'data-partial'), 'false');
  assert.equal(await page.locator('.item.want').count(), 1, 'the finding photo is asked for while the walk is open');
  await page.click('#submit');
  await page.waitForSelector('[data-state="sent"]', { timeout: 60000 });
  assert.equal(await page.locator('.item.want').count(), 0, 'a sent walk asks for no photo it cannot take');
  await page.reload();
  await page.waitForSelector('.checklist .item');
  assert.equal(await page.locator('.item.want').count(), 0, 'nor after a reload');
  await ctx.close();
});
