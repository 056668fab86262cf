// The supervisor's dashboard and work-order detail (issue 8, part 3). Data is
// made through the real API first — two work orders of our own, acceptance
// sheets pushed as a technician (one edited after signing, one reusing a
// photo from a skewed clock), callback attempts and results, a store
// walkthrough — then the supervisor reads it in Chromium and every figure on
// the page is checked against the report API for the same range.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, ARTIFACTS, launch, apiLogin, apiGet, login, loginOfRole, SHOTS_DIR } from './lib.mjs';
import { createHash } from 'node:crypto';
import { hiddenItems } from '../../pwa/static/js/conds.js';

const SHOTS = SHOTS_DIR; // docs/screenshots with make screenshots, else artifacts
mkdirSync(SHOTS, { recursive: true });
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

let browser;
const tok = {};
const made = {}; // ids of what the setup created
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function call(token, method, p, body, { type = 'application/json', raw = false } = {}) {
  const res = await fetch(BASE + '/api/v1' + p, {
    method, headers: { Authorization: 'Bearer ' + token, ...(body !== undefined ? { 'Content-Type': type } : {}) },
    body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
  });
  if (raw) return res;
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// images draws distinct pictures in the browser (seeded shapes on a canvas),
// so each one has its own bytes and its own perceptual hash.
async function images(page, seeds, type = 'image/jpeg') {
  return page.evaluate(async ([list, mime]) => {
    const out = [];
    for (const seed of list) {
      let x = seed * 7919 + 13;
      const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
      const c = document.createElement('canvas');
      c.width = 640; c.height = 480;
      const g = c.getContext('2d');
      g.fillStyle = `hsl(${rnd() * 360},40%,70%)`;
      g.fillRect(0, 0, 640, 480);
      for (let i = 0; i < 40; i++) {
        g.fillStyle = `hsl(${rnd() * 360},${50 + rnd() * 40}%,${25 + rnd() * 50}%)`;
        g.fillRect(rnd() * 640, rnd() * 480, 40 + rnd() * 260, 40 + rnd() * 200);
      }
      g.strokeStyle = '#123'; g.lineWidth = 4; g.beginPath(); g.moveTo(60, 300);
      for (let i = 0; i < 40; i++) g.lineTo(60 + i * 13, 300 - Math.sin(i / 3 + seed) * 90);
      g.stroke();
      const blob = await new Promise((r) => c.toBlob(r, mime, 0.85));
      const b = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
      out.push(btoa(s));
    }
    return out;
  }, [seeds, type]).then((list) => list.map((b64) => Buffer.from(b64, 'base64')));
}

async function upload(token, bytes, type) {
  const sha = sha256(bytes);
  const res = await call(token, 'PUT', '/photos/' + sha, bytes, { type, raw: true });
  assert.ok(res.status === 201 || res.status === 200, `photo upload ${res.status} ${await res.text()}`);
  return sha;
}

// acceptance answers every item of the template: checks yes (with overrides),
// a measured speed, photos and the signature.
// Photos go only to the photo items the order's sheet shows (conds.js).
function acceptance(tpl, { id, order, photos, signature, down, shoeCovers = true, splitter = '客厅电视柜左侧', finishedAt, facts = { order_type: 'install', product: 'broadband' } }) {
  const answers = {}; const ph = {}; const photoItems = [];
  for (const sec of tpl.sections) {
    for (const it of sec.items) {
      switch (it.type) {
        case 'check': answers[it.id] = it.id === 'shoe_covers' ? shoeCovers : true; break;
        case 'pass_fail': answers[it.id] = 'pass'; break;
        case 'choice': answers[it.id] = it.choices[0].id; break;
        case 'text': answers[it.id] = it.id === 'splitter_location' ? splitter : '无 / none'; break;
        case 'rating': answers[it.id] = 5; break;
        case 'count': answers[it.id] = 0; break;
        case 'number': answers[it.id] = it.number?.min ?? 1; break;
        case 'speedtest': answers[it.id] = { down_mbps: down, up_mbps: 52.5, ping_ms: 8, jitter_ms: 1.2, method: 'manual' }; break;
        case 'signature': answers[it.id] = signature; break;
        case 'photo': photoItems.push(it); break;
      }
    }
  }
  const hidden = hiddenItems(tpl, { answers }, facts);
  for (const it of photoItems) if (!hidden.has(it.id)) ph[it.id] = photos.splice(0, Math.max(1, it.photos?.min || 0));
  return { id, template_id: tpl.id, template_version: tpl.version, subject: { workorder_id: order }, base_version: 0,
    started_at: new Date(Date.parse(finishedAt) - 40 * 60000).toISOString(), finished_at: finishedAt, answers, photos: ph };
}

async function push(token, sub, deviceTime) {
  const r = await call(token, 'POST', '/sync/push', { device_id: 'e2e-supervisor', device_time: deviceTime, submissions: [sub] });
  assert.equal(r.results[0].status, 'accepted', JSON.stringify(r.results[0]));
  return r.results[0];
}

test('setup: orders, sheets, callbacks and a walkthrough through the real API', async () => {
  const sup = 'sup.east'; // chengdu-east, like tech.zhang
  tok.sup = await apiLogin(sup);
  tok.tech = await apiLogin('tech.zhang');
  tok.admin = await apiLogin(loginOfRole('admin').username);
  tok.insp = await apiLogin(loginOfRole('inspector').username);
  const stamp = Date.now().toString(36).toUpperCase();
  const now = Date.now();
  made.a = `SUP${stamp}-A`; made.b = `SUP${stamp}-B`;
  const order = (id, type, tier, mbps, name) => call(tok.sup, 'POST', '/workorders', {
    id, type, product: 'broadband', subscribed_mbps: mbps, technician: 'tech.zhang',
    customer: { name, phone: '13912340000', address: '成都市锦江区东大街测试段1号', tier },
    appointment: { from: new Date(now - 3 * 3600e3).toISOString(), to: new Date(now - 3600e3).toISOString() },
  });
  await order(made.a, 'install', 'standard', 300, '测试客户甲');
  await order(made.b, 'repair', 'vip', 500, '测试客户乙');

  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(BASE + '/healthz');
  const jpgs = await images(page, [stamp.length * 11 + 1, 2, 3, 4, 5].map((n, i) => n * 37 + i + (now % 1000)));
  const sigs = await images(page, [now % 97, now % 89 + 100], 'image/png');
  await ctx.close();
  const shas = [];
  for (const b of jpgs) shas.push(await upload(tok.tech, b, 'image/jpeg'));
  const sigA = await upload(tok.tech, sigs[0], 'image/png');
  const sigB = await upload(tok.tech, sigs[1], 'image/png');
  const tpl = await apiGet(tok.tech, '/templates/install_acceptance');

  // Sheet A: a clean install, signed; then edited (version 2).
  const finishedA = new Date(now - 5 * 60000).toISOString(); // minutes, not more: near Beijing midnight A would fall on yesterday
  made.subA = `e2e-sup-${stamp}-a`;
  const subA = acceptance(tpl, { id: made.subA, order: made.a, photos: shas.slice(0, 3), signature: sigA, down: 312.4, finishedAt: finishedA });
  await push(tok.tech, subA, new Date().toISOString());
  const v2 = { ...subA, base_version: 1, answers: { ...subA.answers, splitter_location: '卧室书桌下 / under the bedroom desk' } };
  assert.equal((await push(tok.tech, v2, new Date().toISOString())).version, 2);
  made.photosA = subA.photos;

  // Sheet B: reuses A's first photo, below the subscribed speed, no shoe
  // covers, sent from a phone whose clock is an hour behind.
  made.subB = `e2e-sup-${stamp}-b`;
  const subB = acceptance(tpl, { id: made.subB, order: made.b, photos: [shas[0], shas[3], shas[4]], signature: sigB, down: 120, shoeCovers: false, facts: { order_type: 'repair', product: 'broadband' },
    finishedAt: new Date(now - 3600e3).toISOString() });
  await push(tok.tech, subB, new Date(Date.now() - 3600e3).toISOString());
  const b = await apiGet(tok.sup, '/submissions/' + made.subB);
  assert.ok(b.flags.includes('photo_reused') && b.flags.includes('clock_skew'), 'B is flagged: ' + b.flags);

  // Callbacks: A unreachable once, then unsatisfied (opens a rectification);
  // B very satisfied.
  const day = (await apiGet(tok.sup, '/reports/callbacks?group=day')).items.at(-1).period;
  // B finished an hour ago: near Beijing midnight that is yesterday.
  const dayBefore = new Date(Date.parse(day + 'T00:00:00+08:00') - 86400e3 + 8 * 3600e3).toISOString().slice(0, 10);
  const tasks = (await apiGet(tok.sup, `/callbacks?from=${dayBefore}&to=${day}&limit=5000`)).items;
  const ta = tasks.find((x) => x.workorder_id === made.a);
  const tb = tasks.find((x) => x.workorder_id === made.b);
  assert.ok(ta && tb, 'one callback task per order');
  await call(tok.admin, 'POST', `/callbacks/${ta.id}/attempts`, { outcome: 'no_answer', note: '无人接听' });
  made.reason = '上门迟到 / arrived late';
  const ra = await call(tok.admin, 'POST', `/callbacks/${ta.id}/result`, { satisfaction: 'unsatisfied', reasons: [made.reason], score_0_5: 2, note: '客户说等了一个小时' });
  made.rect = ra.rectification_id;
  assert.ok(made.rect, 'an unsatisfied callback opens a rectification');
  await call(tok.admin, 'POST', `/callbacks/${tb.id}/result`, { satisfaction: 'very_satisfied', reasons: [], score_0_5: 5 });

  // A store walkthrough with deductions: a score, a grade, a rectification.
  const wt = await apiGet(tok.insp, '/templates/store_walkthrough');
  const answers = {};
  for (const sec of wt.sections) for (const it of sec.items) {
    if (it.type === 'pass_fail') answers[it.id] = it.id === 'storefront' ? 'fail' : 'pass';
    if (it.type === 'count') answers[it.id] = it.id === 'hall_environment' ? 2 : 0;
  }
  const r = await call(tok.insp, 'POST', '/sync/push', { device_id: 'e2e-supervisor', device_time: new Date().toISOString(), submissions: [{
    id: `e2e-sup-${stamp}-w`, template_id: wt.id, template_version: wt.version, subject: { store_id: 'SC-CD-002' }, base_version: 0,
    started_at: new Date(now - 50 * 60000).toISOString(), finished_at: new Date(now - 20 * 60000).toISOString(), answers, photos: {} }] });
  assert.equal(r.results[0].status, 'accepted', JSON.stringify(r.results[0]));
});

async function signIn(ctx, who = 'sup.east') {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  const { username, password } = login(who);
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#supdash[data-live="true"] #kpis .kpi', { timeout: 60000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
  return page;
}

const attr = (page, sel, name) => page.getAttribute(sel, name);
const dv = (x) => (x == null ? 'null' : String(x));

// checkCallbacks compares every drawn period and the selected period's
// figures with GET /reports/callbacks for the range the page shows.
async function checkCallbacks(page, group, token = tok.sup) {
  await page.waitForSelector(`#supdash[data-live="true"][data-group="${group}"] #kpis .kpi`);
  const from = await attr(page, '#supdash', 'data-from');
  const to = await attr(page, '#supdash', 'data-to');
  const unit = await attr(page, '#supdash', 'data-unit');
  const rows = (await apiGet(token, `/reports/callbacks?from=${from}&to=${to}&group=${group}${unit ? '&unit=' + unit : ''}`)).items;
  assert.ok(rows.length > 0, 'the report has periods');
  const drawn = await page.$$eval('#cbchart rect.pt[data-metric="coverage"]', (els) => els.map((e) => [e.dataset.period, e.dataset.value]));
  assert.deepEqual(drawn, rows.map((r) => [r.period, dv(r.coverage)]), group + ': coverage bars');
  const sd = await page.$$eval('#cbchart rect.pt[data-metric="same_day_rate"]', (els) => els.map((e) => [e.dataset.period, e.dataset.value]));
  assert.deepEqual(sd, rows.map((r) => [r.period, dv(r.same_day_rate)]), group + ': same-day bars');
  const sat = await page.$$eval('#satchart .pt[data-metric="satisfaction_rate"]', (els) => els.map((e) => [e.dataset.period, e.dataset.value]));
  assert.deepEqual(sat, rows.map((r) => [r.period, dv(r.satisfaction_rate)]), group + ': satisfaction line');
  const sel = await attr(page, '#kpis', 'data-period');
  const row = rows.find((r) => r.period === sel);
  assert.ok(row, `selected period ${sel} is a report period`);
  const kpis = Object.fromEntries(await page.$$eval('#kpis .kpi', (els) => els.map((e) => [e.dataset.kpi, e.dataset.value])));
  assert.deepEqual(kpis, {
    completed: dv(row.completed), done: dv(row.done), coverage: dv(row.coverage), same_day: dv(row.same_day_rate),
    within3: dv(row.within_3_days_rate), satisfaction: dv(row.satisfaction_rate),
  }, `${group} ${sel}: headline figures`);
  return { from, to, rows, row };
}

test('dashboard figures equal the report API; XLSX download is real', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  const page = await signIn(ctx);

  // Day by day: today holds our two jobs (one unsatisfied, one very satisfied).
  const day = await checkCallbacks(page, 'day');
  // Opened on the latest period that has figures (a new day starts empty).
  const withData = day.rows.filter((r) => r.completed || r.callbacks || r.done).at(-1) || day.rows.at(-1);
  assert.equal(day.row, withData, 'the latest period with data is selected first');
  assert.ok(day.row.completed >= 2 && day.row.done >= 2 && day.row.unsatisfied >= 1 && day.row.very_satisfied >= 1, 'today counts our callbacks: ' + JSON.stringify(day.row));
  assert.ok(await page.locator(`#reasons rect[data-reason="${made.reason}"]`).count() === 1, 'the unsatisfied reason is among the top reasons');
  // Tapping another period shows that period's figures.
  const earlier = day.rows.at(-2).period;
  await page.click(`#cbchart svg[data-chart="coverage"] rect.hit[data-period="${earlier}"]`);
  await page.waitForSelector(`#kpis[data-period="${earlier}"]`);
  await checkCallbacks(page, 'day');

  // Stores and technicians over the same range.
  const insp = (await apiGet(tok.sup, `/reports/inspections?from=${day.from}&to=${day.to}`)).items;
  const store = insp.find((r) => r.store_id === 'SC-CD-002');
  assert.ok(store && store.score != null, 'the walkthrough is scored');
  const tr = '#stores tr[data-store="SC-CD-002"]';
  assert.equal(await attr(page, tr, 'data-score'), dv(store.score));
  assert.equal(await attr(page, tr, 'data-grade'), store.grade);
  assert.equal(await attr(page, tr, 'data-inspections'), String(store.inspections));
  assert.ok(!(await page.textContent(tr)).includes('SC-CD-002'), 'the store is named, its code stays off the screen');
  const techs = (await apiGet(tok.sup, `/reports/technicians?from=${day.from}&to=${day.to}`)).items;
  const zhang = techs.find((r) => r.technician === 'tech.zhang');
  for (const col of ['shoe_covers_rate', 'speed_test_recorded_rate', 'speed_test_passed_rate', 'photo_evidence_complete_rate', 'flagged', 'satisfaction_rate']) {
    assert.equal(await attr(page, `#techs tr[data-tech="tech.zhang"] td[data-col="${col}"]`, 'data-value'), dv(zhang[col]), 'tech.zhang ' + col);
  }
  assert.ok(zhang.flagged >= 1 && zhang.shoe_covers_rate < 1, 'our flagged sheet without shoe covers counts');

  // Flagged sheet B: both flags, and the reused photo side by side with the original.
  const fb = `#flags article.flagged[data-submission="${made.subB}"]`;
  await page.waitForSelector(fb);
  const flags = (await attr(page, fb, 'data-flags')).split(' ');
  assert.ok(flags.includes('photo_reused') && flags.includes('clock_skew'), 'flags shown: ' + flags);
  const reused = made.photosA[Object.keys(made.photosA)[0]][0];
  const pair = `${fb} .reuse[data-photo="${reused}"]`;
  await page.locator(pair).scrollIntoViewIfNeeded();
  await page.waitForFunction((sel) => {
    const imgs = [...document.querySelectorAll(sel + ' .pair img')];
    return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, pair);
  assert.deepEqual(await page.$$eval(pair + ' .pair img', (els) => els.map((e) => e.dataset.sha)), [reused, reused]);
  assert.equal(await page.locator(`${pair} a.ono[href="/wo/${made.a}"]`).count(), 1, 'the flag names the other order');
  assert.equal(await page.locator(`#rects li[data-rect="${made.rect}"]`).count(), 1, 'the open rectification is listed');

  // Week and month.
  await page.click('button[data-group="week"]');
  await checkCallbacks(page, 'week');
  await page.click('button[data-group="month"]');
  const month = await checkCallbacks(page, 'month');
  assert.ok(month.row.completed >= 2);

  // XLSX: a real zip with the server's file name.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#kpis button[data-report="callbacks"][data-format="xlsx"]')]);
  const file = path.join(ARTIFACTS, 'supervisor-' + dl.suggestedFilename());
  await dl.saveAs(file);
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'XLSX is a zip');
  assert.ok(bytes.length > 2000, `XLSX is ${bytes.length} bytes`);
  const res = await apiGet(tok.sup, `/reports/callbacks?from=${month.from}&to=${month.to}&group=month&format=xlsx`, { raw: true });
  const cd = /filename="([^"]+)"/.exec(res.headers.get('content-disposition'))[1];
  assert.equal(dl.suggestedFilename(), cd);
  assert.match(cd, /^callbacks-.*-month\.xlsx$/);
  console.log(`xlsx download: ${cd}, ${bytes.length} bytes`);

  await page.click('button[data-group="day"]');
  await checkCallbacks(page, 'day');
  await page.waitForSelector('.toast', { state: 'detached' });
  await page.screenshot({ path: path.join(SHOTS, 'supervisor-dashboard.png'), fullPage: true });

  // In English.
  await page.evaluate(() => localStorage.setItem('fc.lang', 'en'));
  await page.reload();
  await page.waitForSelector('#supdash[data-live="true"] #kpis .kpi');
  assert.equal(await page.textContent('#supdash h2'), 'Supervisor dashboard');
  assert.equal(await page.textContent('#kpis .kpi[data-kpi="coverage"] .kv-l'), 'Callback coverage');
  await checkCallbacks(page, 'day');
  await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-dashboard-en.png'), fullPage: true });
  await ctx.close();
});

test('a range with nothing finished says so instead of drawing empty charts', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await signIn(ctx);
  await page.waitForSelector('#supdash[data-live="true"] #cbchart svg');
  // To first (the from follows it back), then from: each change reloads;
  // a week long before the demo's month.
  for (const [name, value] of [['to', '2020-01-07'], ['from', '2020-01-01']]) {
    await page.locator(`#supdash input[name="${name}"]`).fill(value);
    await page.locator(`#supdash input[name="${name}"]`).dispatchEvent('change');
    await page.waitForSelector(`#supdash[data-live="true"][data-${name}="${value}"]`);
  }
  await page.waitForSelector('#cbchart [data-empty]');
  assert.equal(await page.textContent('#cbchart [data-empty]'), '本期没有数据');
  assert.equal(await page.textContent('#satchart [data-empty]'), '本期没有数据');
  assert.equal(await page.locator('#cbchart svg, #satchart svg').count(), 0, 'no bare axes');
  await ctx.close();
});

test('admin: every unit, or one unit picked', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await signIn(ctx, loginOfRole('admin').username);
  const all = await checkCallbacks(page, 'day', tok.admin);
  assert.equal(await attr(page, '#supdash', 'data-unit'), '');
  await page.selectOption('select[name=unit]', 'chengdu-east');
  await page.waitForSelector('#supdash[data-unit="chengdu-east"][data-live="true"]');
  const east = await checkCallbacks(page, 'day', tok.admin);
  assert.equal(east.row.period, all.row.period);
  // Every unit on offer, summed, makes the all-units figure.
  const units = (await page.$$eval('select[name=unit] option', (els) => els.map((e) => e.value))).filter(Boolean);
  assert.ok(units.includes('chengdu-west'));
  let sum = 0;
  for (const u of units) sum += (await apiGet(tok.admin, `/reports/callbacks?from=${all.from}&to=${all.to}&group=day&unit=${u}`)).items.find((r) => r.period === all.row.period).completed;
  assert.equal(sum, all.row.completed, 'the units add up to all units');
  await ctx.close();
});

test('work-order detail: the signed sheet, its versions, flags and the callback', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await signIn(ctx);
  await page.click('a[href="/wo"]');
  await page.fill('#wosearch', made.a);
  await page.click(`a.woitem[data-wo="${made.a}"]`);
  const sv = `.sheetview[data-submission="${made.subA}"]`;
  await page.waitForSelector(`${sv}[data-version="2"]`);
  const order = await apiGet(tok.sup, '/workorders/' + made.a);
  assert.equal(order.status, 'completed');
  const sub = await apiGet(tok.sup, '/submissions/' + made.subA);
  assert.equal(await page.textContent(`${sv} tr[data-item="splitter_location"] .ans`), sub.answers.splitter_location);
  assert.equal(await page.textContent(`${sv} tr[data-item="shoe_covers"] .ans`), '是');
  assert.equal(await page.textContent(`${sv} tr[data-item="indoor_wiring"] .ans`), '暗敷（入墙、吊顶）');
  assert.ok(await page.locator(`${sv} tr[data-item="splitter_location"].changed`).count() === 1, 'the edit is marked against version 1');
  // Photos and the signature, as thumbnails from the server.
  for (const [item, list] of Object.entries(sub.photos)) {
    const sel = `${sv} tr[data-item="${item}"] img`;
    await page.locator(`${sv} tr[data-item="${item}"]`).scrollIntoViewIfNeeded();
    await page.waitForFunction(([s, n]) => { const i = [...document.querySelectorAll(s)]; return i.length === n && i.every((x) => x.complete && x.naturalWidth > 0); }, [sel, list.length]);
    assert.deepEqual(await page.$$eval(sel, (els) => els.map((e) => e.dataset.sha)), list);
  }
  await page.locator(`${sv} tr[data-item="customer_signature"]`).scrollIntoViewIfNeeded();
  await page.waitForFunction((s) => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }, `${sv} tr[data-item="customer_signature"] img.sigimg`);
  assert.equal(await attr(page, `${sv} .speedcmp`, 'data-pass'), 'true');
  assert.equal(await attr(page, `${sv} .speedcmp`, 'data-subscribed'), '300');
  assert.ok((await attr(page, `${sv} .woflags .flag`, 'data-flag')) === 'edited_after_signature', 'the edit after signing is flagged');
  // The callback: one missed attempt, then the unsatisfied result.
  await page.waitForSelector('#callback[data-status="done"]');
  assert.equal(await page.locator('#callback .attempt[data-outcome="no_answer"]').count(), 1);
  assert.equal(await attr(page, '#callback .cbresult', 'data-satisfaction'), 'unsatisfied');
  assert.ok((await page.textContent('#callback .cbresult')).includes(made.reason));
  await page.screenshot({ path: path.join(SHOTS, 'workorder-detail.png'), fullPage: true });
  // Version 1 as first sent.
  await page.click(`${sv} button[data-version="1"]`);
  await page.waitForSelector(`${sv}[data-version="1"]`);
  assert.equal(await page.textContent(`${sv} tr[data-item="splitter_location"] .ans`), '客厅电视柜左侧');
  await ctx.close();
});

test('phone: stacked dashboard, and the last figures offline', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'allow' });
  const page = await signIn(ctx);
  await checkCallbacks(page, 'day');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scroll at 390 px');
  const boxes = await page.$$eval('.supgrid > .card', (els) => els.slice(0, 3).map((e) => e.getBoundingClientRect().x));
  assert.ok(boxes.every((x) => x === boxes[0]), 'cards stack in one column');
  await page.screenshot({ path: path.join(SHOTS, 'supervisor-phone.png') });
  const before = Object.fromEntries(await page.$$eval('#kpis .kpi', (els) => els.map((e) => [e.dataset.kpi, e.dataset.value])));
  const at = await attr(page, '.supstatus', 'data-at');

  await ctx.setOffline(true);
  await page.reload();
  await page.waitForSelector('.supstatus[data-offline]');
  assert.equal(await attr(page, '#supdash', 'data-live'), 'false');
  assert.equal(await attr(page, '.supstatus', 'data-at'), at, 'the cached figures keep their load time');
  assert.match(await page.textContent('.supstatus'), /需要联网/);
  const after = Object.fromEntries(await page.$$eval('#kpis .kpi', (els) => els.map((e) => [e.dataset.kpi, e.dataset.value])));
  assert.deepEqual(after, before, 'the last loaded figures are shown offline');
  await page.screenshot({ path: path.join(ARTIFACTS, 'supervisor-phone-offline.png'), fullPage: true });
  await ctx.setOffline(false);
  await ctx.close();
});

