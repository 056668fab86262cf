// The supervisor's items of issue 14, in a unit of its own (desk-fixture.mjs):
// four sheets finished three days ago (one clean, one reusing its photo, one
// below the subscribed speed, one from a phone with a skewed clock), a
// flagged store walkthrough, and an unsatisfied callback. Then, in Chromium:
// the dashboard opens on the latest period with figures and states it once;
// the compliance table's 标记单数 equals the 需复核 list; flags name the other
// record by 工单号 and open it; the walkthrough opens; charts keep every
// label inside and name their axes; the table fits a phone; no internal id
// shows; and a rectification is listed, opened and resolved with a note and
// a photo — never by a technician.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { BASE, ARTIFACTS, launch, login, loginOfRole } from './lib.mjs';
import { deskUnit, order, acceptance, taskOf, uiLoginAs, call, upload, noisePNG, shDay } from './desk-fixture.mjs';

let browser;
let u;
const m = {}; // what the setup made
const DAY = 86400e3;

before(async () => {
  browser = await launch();
  u = await deskUnit('sv');
  m.day = shDay(Date.now() - 3 * DAY);
  const at = (h) => Date.parse(`${m.day}T${String(h).padStart(2, '0')}:00:00+08:00`);
  const photo = await upload(u.tok.tech);
  m.o = [];
  for (let i = 0; i < 4; i++) m.o.push(await order(u, { finishedAt: at(10 + i) }));
  m.s = [];
  m.s.push(await acceptance(u, m.o[0], { finishedAt: at(10), photos: [photo] }));
  m.s.push(await acceptance(u, m.o[1], { finishedAt: at(11), photos: [photo] })); // photo_reused
  m.s.push(await acceptance(u, m.o[2], { finishedAt: at(12), edit: (a) => { a.speedtest = { down_mbps: 90, up_mbps: 20, ping_ms: 9, jitter_ms: 1, method: 'manual' }; } }));
  m.s.push(await acceptance(u, m.o[3], { finishedAt: at(13), deviceTime: Date.now() - 3600e3 })); // clock_skew
  const b = await call(u.tok.sup, 'GET', '/submissions/' + m.s[1]);
  assert.ok(b.flags.includes('photo_reused'), 'sheet 2 reuses sheet 1 photo: ' + b.flags);
  assert.ok((await call(u.tok.sup, 'GET', '/submissions/' + m.s[2])).flags.includes('speed_below_subscribed'));
  assert.ok((await call(u.tok.sup, 'GET', '/submissions/' + m.s[3])).flags.includes('clock_skew'));

  // A walkthrough of the unit's store with deductions, from a skewed phone.
  const wt = await call(u.tok.insp, 'GET', '/templates/store_walkthrough');
  const answers = {};
  for (const sec of wt.sections) for (const it of sec.items) {
    if (it.type === 'pass_fail') answers[it.id] = it.id === 'storefront' ? 'fail' : 'pass';
    if (it.type === 'count') answers[it.id] = it.id === 'hall_environment' ? 2 : 0;
  }
  m.w = `e2e-desk-${u.stamp}-w`;
  const r = await call(u.tok.insp, 'POST', '/sync/push', { device_id: 'e2e-desk', device_time: new Date(Date.now() - 3600e3).toISOString(), submissions: [{
    id: m.w, template_id: wt.id, template_version: wt.version, subject: { store_id: u.store.id }, base_version: 0,
    started_at: new Date(at(14) - 40 * 60000).toISOString(), finished_at: new Date(at(14)).toISOString(), answers, photos: {} }] });
  assert.equal(r.results[0].status, 'accepted', JSON.stringify(r.results[0]));
  assert.ok((await call(u.tok.sup, 'GET', '/submissions/' + m.w)).flags.length > 0, 'the walkthrough is flagged');

  // The customer of order 1 is unsatisfied: a rectification for the unit.
  const t1 = await taskOf(u, m.o[0]);
  const res = await call(u.tok.agent, 'POST', `/callbacks/${t1.id}/result`, { satisfaction: 'unsatisfied', reasons: ['上门不准时'], score_0_5: 2 });
  m.rect = res.rectification_id;
  m.task = t1.id;
  assert.ok(m.rect);
  const rects = (await call(u.tok.sup, 'GET', '/rectifications?status=open')).items;
  m.walkRect = rects.find((x) => x.source === 'walkthrough')?.id;
  assert.ok(m.walkRect, 'the walkthrough opened one too');
});
after(async () => { await browser?.close(); });

const phone = () => browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
const desk = () => browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
const LIVE = '#supdash[data-live="true"] #kpis .kpi';

async function supOn(ctx, username = u.people.sup.username) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  if (username === u.people.sup.username) await uiLoginAs(page, username, LIVE);
  else {
    const { password } = login(username);
    await page.goto(BASE + '/');
    await page.waitForURL('**/login');
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForSelector(LIVE, { timeout: 60000 });
  }
  return page;
}

// internal ids that must never be on a screen: rectification and callback
// ids, and the submission ids made here.
async function noInternalIds(page, where) {
  const text = await page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(text, /\brc-\d{6,}/, where + ': a rectification id shows');
  assert.doesNotMatch(text, /\bcb-\d{6,}/, where + ': a callback id shows');
  for (const id of [...m.s, m.w]) assert.ok(!text.includes(id), `${where}: submission id ${id} shows`);
  assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, where + ': a UUID shows');
}

// chartsFit: every label of every chart lies inside its drawing, and each
// chart names both axes.
async function chartsFit(page) {
  const out = await page.$$eval('svg.chart:not(.hb)', (svgs) => svgs.map((svg) => {
    const vb = svg.viewBox.baseVal;
    const bad = [...svg.querySelectorAll('text')].filter((tx) => {
      const b = tx.getBBox();
      const m = tx.getCTM && tx.transform.baseVal.consolidate()?.matrix;
      const pts = [[b.x, b.y], [b.x + b.width, b.y + b.height]].map(([x, y]) => (m ? [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f] : [x, y]));
      return pts.some(([x, y]) => x < -0.5 || y < -0.5 || x > vb.width + 0.5 || y > vb.height + 0.5);
    }).map((tx) => tx.textContent);
    return { chart: svg.dataset.chart, bad, x: !!svg.querySelector('.axt[data-axis="x"]'), y: !!svg.querySelector('.axt[data-axis="y"]') };
  }));
  assert.ok(out.length >= 3, 'three charts');
  for (const c of out) {
    assert.deepEqual(c.bad, [], `${c.chart}: labels cut at the edge`);
    assert.ok(c.x && c.y, `${c.chart}: both axes are named`);
  }
}

test('dashboard: opens on the latest period with figures, stated once', async () => {
  const ctx = await desk();
  const page = await supOn(ctx);
  // Today has nothing in this unit: the dashboard opens on the day the sheets were finished.
  assert.equal(await page.getAttribute('#kpis', 'data-period'), m.day, 'opens on the latest period with figures');
  const from = await page.getAttribute('#supdash', 'data-from');
  const to = await page.getAttribute('#supdash', 'data-to');
  const kpiText = await page.textContent('#kpis');
  assert.equal(kpiText.split(m.day).length - 1, 1, 'the period is stated once: ' + kpiText);
  assert.ok(!kpiText.includes(from) || from === m.day, 'the chart range is not restated in the figures');
  assert.ok(!kpiText.includes('统计周期'), 'no second "period" wording');
  const report = (await call(u.tok.sup, 'GET', `/reports/callbacks?from=${from}&to=${to}&group=day`)).items;
  assert.equal(report.find((r) => r.period === m.day).completed, 4);
  await ctx.close();
});

test('dashboard: 标记单数 equals the 需复核 list; flags name the other record and open it; no internal ids', async () => {
  const ctx = await desk();
  const page = await supOn(ctx);
  // 标记单数 = the 需复核 list's acceptance sheets of the technician.
  const tech = u.people.tech.username;
  await page.waitForSelector(`#techs tr[data-tech="${tech}"]`);
  const flagged = Number(await page.getAttribute(`#techs tr[data-tech="${tech}"] td[data-col="flagged"]`, 'data-value'));
  // (the list's sheets of this technician are the acceptance sheets made here)
  const listed = (await page.$$eval('#flags article.flagged', (els) => els.map((e) => e.dataset.submission))).filter((id) => m.s.includes(id)).length;
  assert.equal(flagged, listed, `the table says ${flagged}, the list shows ${listed}`);
  assert.equal(flagged, 3, 'reused photo, slow line, skewed clock');
  assert.equal(await page.locator(`#flags article.flagged[data-kind="acceptance"][data-author="${tech}"]`).count(), listed);
  const techText = await page.textContent('#techs');
  assert.ok(techText.includes(u.people.tech.name) && !techText.includes(tech), 'the technician by name, not username');

  // The reused photo names the other record by its 工单号 and opens it.
  const reuse = `#flags article.flagged[data-submission="${m.s[1]}"] .reuse`;
  await page.waitForSelector(reuse);
  assert.ok((await page.textContent(`${reuse} .other`)).includes(m.o[0]), 'names the other order');
  await noInternalIds(page, 'dashboard');
  await chartsFit(page);
  await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-desk-dashboard.png'), fullPage: true });
  await page.click(`${reuse} a.other`);
  await page.waitForSelector(`.wodetail[data-wo="${m.o[0]}"] .sheetview[data-version]`);
  await page.waitForSelector('#callback[data-status]');
  await noInternalIds(page, 'work order');
  // The order's rectification opens from its callback.
  await page.click(`#callback a.rectlink[data-rect="${m.rect}"]`);
  await page.waitForSelector(`#rect[data-rect="${m.rect}"]`);
  await noInternalIds(page, 'rectification');
  await ctx.close();
});

test('dashboard: a flagged store walkthrough opens from the 需复核 list', async () => {
  const ctx = await desk();
  const page = await supOn(ctx);
  const wlink = `#flags article.flagged[data-submission="${m.w}"] a[href="/sub/${m.w}"]`;
  await page.waitForSelector(wlink);
  assert.ok((await page.textContent(wlink)).includes(u.store.name), 'named by its store');
  await page.click(wlink);
  await page.waitForSelector(`.sheetview[data-submission="${m.w}"][data-version="1"]`);
  assert.ok((await page.textContent('.subview')).includes(u.store.name));
  await noInternalIds(page, 'walkthrough');
  await ctx.close();
});

test('phone: charts keep their labels, the compliance table fits', async () => {
  const ctx = await phone();
  const page = await supOn(ctx);
  await chartsFit(page);
  await page.waitForSelector('#techs table');
  for (const card of ['#techs', '#stores']) {
    const fit = await page.$eval(card, (el) => ({ table: el.querySelector('table').getBoundingClientRect().width, card: el.clientWidth, scroll: el.scrollWidth }));
    assert.ok(fit.table <= fit.card && fit.scroll <= fit.card, `${card}: table ${fit.table}px in a ${fit.card}px card`);
  }
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scroll');
  // Each figure keeps its label beside it.
  const row = `#techs tr[data-tech="${u.people.tech.username}"]`;
  assert.equal(await page.getAttribute(`${row} td[data-col="flagged"]`, 'data-label'), '异常');
  await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-desk-phone.png'), fullPage: true });
  await ctx.close();
});

test('rectifications: listed by unit, opened, resolved with a note and a photo; never by a technician', async () => {
  // A technician may not resolve one (API.md v1.1).
  const refused = await call(u.tok.tech, 'POST', `/rectifications/${m.walkRect}/resolve`, { note: '已整改' }, { raw: true });
  assert.equal(refused.status, 403);

  const ctx = await phone();
  const page = await supOn(ctx);
  await page.click('#rects-all');
  await page.waitForSelector('#rects-page[data-ready]');
  const item = `.rxunit[data-unit="${u.unit}"] a.rectitem[data-rect="${m.rect}"]`;
  await page.waitForSelector(item);
  assert.equal(await page.locator(`.rxunit[data-unit="${u.unit}"] a.rectitem`).count(), 2, 'both open rectifications of the unit');
  assert.ok((await page.textContent(item)).includes(m.o[0]), 'named by its 工单号');
  await noInternalIds(page, 'rectification list');
  await page.click(item);
  await page.waitForSelector('#rx-form');
  // The note is required.
  await page.click('#rx-submit');
  await page.waitForFunction(() => document.querySelector('[data-err="note"]')?.textContent.trim().length > 0);
  await page.fill('#rx-note', '已向客户致歉，组织全员守时培训，下周复查');
  const file = path.join(ARTIFACTS, `rect-${u.stamp}.png`);
  writeFileSync(file, noisePNG(320, 240));
  await page.setInputFiles('#rx-photo', file);
  await page.waitForSelector('.rxpicked figure[data-sha]');
  await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-desk-resolve.png'), fullPage: true });
  await page.click('#rx-submit');
  await page.waitForSelector('#rx-resolved');
  const stored = (await call(u.tok.sup, 'GET', '/rectifications?status=resolved')).items.find((x) => x.id === m.rect);
  assert.equal(stored.resolved_by, u.people.sup.username);
  assert.equal(stored.note, '已向客户致歉，组织全员守时培训，下周复查');
  assert.equal(stored.photos.length, 1, 'the photo is on the rectification');
  // Who and when, and the photo itself from the server.
  const who = await page.textContent('#rx-resolved .rxwho');
  assert.ok(who.includes(u.people.sup.name) || who.includes(u.people.sup.username), who);
  await page.waitForFunction(() => { const i = document.querySelector('#rx-resolved .rxphotos img'); return i && i.complete && i.naturalWidth > 0; });
  assert.equal(await page.getAttribute('#rx-resolved .rxphotos img', 'data-sha'), stored.photos[0]);
  // It now sits under 已处理.
  await page.click('#rx-back');
  await page.waitForSelector('#rects-page[data-ready]');
  await page.click('.rxtabs button[data-status="resolved"]');
  await page.waitForSelector(`#rects-page[data-status="resolved"][data-ready] a.rectitem[data-rect="${m.rect}"]`);
  await ctx.close();
});

test('desk: overdue rectifications stand out, most urgent first', async () => {
  const ctx = await desk();
  const page = await supOn(ctx, 'sup.east'); // the demo's history has overdue ones
  await page.goto(BASE + '/rect');
  await page.waitForSelector('#rects-page[data-ready]');
  const items = await page.$$eval('.rxunit a.rectitem', (els) => els.map((e) => ({
    late: e.dataset.late === 'true', due: e.querySelector('[data-due]')?.dataset.due, border: getComputedStyle(e).borderLeftColor, unit: e.dataset.unit })));
  assert.ok(items.some((x) => x.late), 'some are overdue');
  for (const x of items) assert.equal(x.late, Date.parse(x.due) < Date.now());
  const lateBorder = items.find((x) => x.late).border;
  const okItem = items.find((x) => !x.late);
  if (okItem) assert.notEqual(lateBorder, okItem.border, 'overdue ones stand out');
  const dues = items.map((x) => Date.parse(x.due));
  assert.deepEqual(dues, [...dues].sort((a, b) => a - b), 'most urgent first');
  await noInternalIds(page, 'demo rectifications');
  await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-desk-rects.png'), fullPage: true });
  await ctx.close();
});

test('admin: units in the picker by name', async () => {
  const ctx = await desk();
  const admin = loginOfRole('admin').username;
  const page = await supOn(ctx, admin);
  const names = await fetch(BASE + '/api/v1/names', { headers: { Authorization: 'Bearer ' + u.tok.admin } }).then((r) => (r.ok ? r.json() : {}));
  const opts = await page.$$eval('select[name=unit] option', (els) => els.filter((e) => e.value).map((e) => [e.value, e.textContent]));
  assert.ok(opts.length >= 2);
  for (const [code, text] of opts) {
    const n = names?.units?.[code];
    assert.equal(text, (typeof n === 'string' ? n : n?.zh) || code, 'unit ' + code);
  }
  await ctx.close();
});
