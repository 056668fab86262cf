// The callback agent's day (issue 8): technicians finish VIP / high-value jobs
// through the real sync API (those customers go straight to the manual queue),
// then agent.liu works them in the browser — claim, no answer, a call-back time
// the server refuses and one it takes, a result with the script's answers, a
// second result refused, a claim given back by leaving, a task opened from
// the retry list claimed first (and refused while someone else holds it), the
// lease renewed on a long call, the home's counters equal to the server's
// summary — and the server is asked what it stored. Desktop (1280×800, card and script side by side) and
// phone (390×844) sizes; screenshots go to docs/screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { BASE, launch, shot, apiLogin, apiGet, sha256, logins, login, loginOfRole, SHOTS_DIR } from './lib.mjs';

const DOCS = SHOTS_DIR; // docs/screenshots with make screenshots, else artifacts
mkdirSync(DOCS, { recursive: true });
const AGENT = 'agent.liu';

let browser;
let admin; // the admin's token: admins work the queue too
const held = new Set(); // tasks the admin holds out of the agent's way
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  for (const id of held) await apiSend(admin, 'POST', `/callbacks/${id}/release`);
});

// displayNames reads GET /names (the server's display names) once; a code
// with no name shows as itself, as names.js does.
async function displayNames(token) {
  let all = {};
  const res = await fetch(BASE + '/api/v1/names', { headers: { Authorization: 'Bearer ' + token } });
  if (res.ok) all = await res.json();
  return (group, code) => { const n = all?.[group]?.[code]; return (typeof n === 'string' ? n : n?.zh || n?.en) || code; };
}

async function apiSend(token, method, p, body, headers = {}) {
  const res = await fetch(BASE + '/api/v1' + p, {
    method, headers: { Authorization: 'Bearer ' + token, ...(body instanceof Uint8Array ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body instanceof Uint8Array ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// ---------- a unique photo per slot: a small PNG of random pixels ----------
const CRC = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function noisePNG(w = 96, h = 72) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const rows = [];
  for (let y = 0; y < h; y++) rows.push(Buffer.from([0]), randomBytes(w * 3));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

// acceptance answers every item of the template honestly (as lib.mjs
// fillAcceptance does in the browser) and uploads a fresh photo per slot.
async function acceptance(token, tpl, order) {
  const answers = {};
  const photos = {};
  const upload = async () => {
    const png = noisePNG();
    const sha = sha256(png);
    const r = await apiSend(token, 'PUT', '/photos/' + sha, new Uint8Array(png), { 'Content-Type': 'image/png' });
    assert.ok(r.status === 201 || r.status === 200, `photo upload: ${r.status} ${JSON.stringify(r.body)}`);
    return sha;
  };
  for (const sec of tpl.sections) {
    for (const it of sec.items) {
      switch (it.type) {
        case 'check': answers[it.id] = true; break;
        case 'pass_fail': answers[it.id] = 'pass'; break;
        case 'count': answers[it.id] = 0; break;
        case 'number': answers[it.id] = it.number?.min ?? 1; break;
        case 'text': answers[it.id] = '客厅电视柜左侧'; break;
        case 'choice': answers[it.id] = it.choices[0].id; break;
        case 'rating': answers[it.id] = 5; break;
        case 'signature': answers[it.id] = await upload(); break;
        case 'speedtest': answers[it.id] = { down_mbps: order.subscribed_mbps * 0.97, up_mbps: 50, ping_ms: 6, jitter_ms: 1, method: 'manual' }; break;
        case 'photo': {
          photos[it.id] = [];
          for (let i = 0; i < Math.max(1, it.photos?.min || 0); i++) photos[it.id].push(await upload());
          break;
        }
      }
    }
  }
  const finished = new Date(Date.now() - 5 * 60000).toISOString();
  return {
    id: crypto.randomUUID(), template_id: tpl.id, template_version: tpl.version, subject: { workorder_id: order.id },
    base_version: 0, started_at: new Date(Date.now() - 50 * 60000).toISOString(), finished_at: finished, answers, photos,
  };
}

// finishJobs completes n VIP / high-value orders of the demo technicians
// (straight to the manual queue, no SMS wait) and returns their order ids.
async function finishJobs(n) {
  const techs = logins.filter((l) => l.role === 'technician').map((l) => l.username)
    .sort((a, b) => (a === 'tech.zhang') - (b === 'tech.zhang')); // the offline test works tech.zhang's day
  const done = [];
  for (const tech of techs) {
    const token = await apiLogin(tech);
    const pull = await apiGet(token, '/sync/pull?cursor=');
    const tpls = (await apiGet(token, '/templates')).items.filter((x) => x.kind === 'acceptance');
    const candidates = pull.workorders.filter((o) => o.status === 'assigned' && ['vip', 'high_value'].includes(o.customer?.tier) && o.type !== 'removal');
    for (const order of candidates) {
      if (done.length === n) return done;
      const meta = tpls.find((x) => x.id === order.type + '_acceptance') || tpls.find((x) => x.id === 'install_acceptance');
      const tpl = await apiGet(token, '/templates/' + meta.id);
      const sub = await acceptance(token, tpl, order);
      const r = await apiSend(token, 'POST', '/sync/push', { device_id: 'e2e-agent-setup', device_time: new Date().toISOString(), submissions: [sub] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const res = r.body.results[0];
      if (res.status !== 'accepted') { console.log(`order ${order.id}: ${res.status} ${JSON.stringify(res.error)} — trying another`); continue; }
      assert.deepEqual(res.missing_photos || [], [], 'every photo already uploaded');
      done.push(order.id);
    }
  }
  assert.equal(done.length, n, `needed ${n} open VIP/high-value orders among the demo technicians, finished ${done.length}`);
  return done;
}

async function agentLogin(page) {
  const { password } = login(AGENT);
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', AGENT);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#cb-next:not([disabled])', { timeout: 30000 });
}

const counter = async (page, key) => Number(await page.getAttribute(`.cb-counter[data-counter="${key}"]`, 'data-value'));
// countersMatchSummary: every counter on the home is the server's summary
// for this agent under the same key (data-counter / data-value).
async function countersMatchSummary(page) {
  const shown = await page.$$eval('.cb-counter', (els) => els.map((e) => [e.dataset.counter, e.dataset.value]));
  const sum = await apiGet(agentToken, '/callbacks/summary');
  assert.deepEqual(shown.map(([k]) => k).sort(), ['done_today', 'overdue', 'ready'], 'the home counts ready, overdue and done today');
  for (const [k, v] of shown) {
    assert.ok(v !== '' && v != null, `counter ${k} has a value`);
    assert.equal(Number(v), sum[k], `counter ${k} is the summary's ${k}`);
  }
  for (const [k, v] of shown) assert.equal(await page.textContent(`.cb-counter[data-counter="${k}"] b`), v, `counter ${k} shows its number`);
  return sum;
}
const claimInUI = async (page) => {
  await page.click('#cb-next');
  await page.waitForURL('**/agent/call/*');
  await page.waitForSelector('.cb-card');
  return page.getAttribute('.cb-card', 'data-task');
};
// Beijing wall time of d as a datetime-local value.
const shLocal = (d) => new Date(d.getTime() + 8 * 3600000).toISOString().slice(0, 16);

let agentToken;
const task = (id) => apiGet(agentToken, '/callbacks/' + encodeURIComponent(id));

// clearTheWay: demo data may hold older, overdue tasks (some past their
// deadline, where a retry is impossible), which the queue rightly serves
// first. The admin claims everything ahead of this test's own tasks and holds
// it while the tests run (the after hook gives it back), so the agent's
// "next call" lands on tasks made here.
async function clearTheWay(mine) {
  admin ??= await apiLogin(loginOfRole('admin').username);
  for (let i = 0; i < 1000; i++) {
    const r = await apiSend(admin, 'POST', '/callbacks/claim');
    if (r.status !== 200) return;
    if (mine.includes(r.body.workorder_id)) {
      assert.equal((await apiSend(admin, 'POST', `/callbacks/${r.body.id}/release`)).status, 200);
      return;
    }
    held.add(r.body.id);
  }
}
let orders = [];

test('agent works the queue at a desk: claim, no answer, call later, continue, result', async () => {
  orders = await finishJobs(3);
  agentToken = await apiLogin(AGENT);
  await clearTheWay(orders);
  const queue = (await apiGet(agentToken, '/callbacks?status=pending')).items;
  for (const o of orders) {
    const t = queue.find((x) => x.workorder_id === o);
    assert.ok(t, 'a pending callback for ' + o);
    assert.equal(t.channel, 'manual', 'VIP/high-value go straight to a person');
    assert.equal(t.survey_url, undefined, 'agents never see the survey link');
  }

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await agentLogin(page);
  const sum0 = await countersMatchSummary(page);
  assert.ok(sum0.ready >= orders.length, 'the ready counter counts the new tasks');
  const done0 = await counter(page, 'done_today');
  await shot(page, 'agent-01-home');

  // Claim: the card carries what the agent needs to call.
  const a = await claimInUI(page);
  const ta = await task(a);
  assert.ok(orders.includes(ta.workorder_id), 'claimed a task made here');
  assert.equal(ta.status, 'claimed');
  assert.equal(ta.lease_holder, AGENT);
  assert.equal(await page.getAttribute('#cb-tel', 'href'), 'tel:' + ta.customer.phone.replace(/[^\d+]/g, ''));
  const cardText = await page.textContent('.cb-card');
  for (const s of [ta.customer.name, ta.workorder_id, ta.customer.address]) assert.ok(cardText.includes(s), 'card shows ' + s);
  // People and products by their display names (names.js; the code itself
  // only while the server has no name for it).
  const names = await displayNames(agentToken);
  assert.equal((await page.textContent('.cb-card .cb-tech')).replace(/^\S+\s/, ''), names('people', ta.technician));
  // The order's product and appointment window, copied onto the task.
  assert.ok(ta.product, 'the task carries the product');
  assert.equal(await page.textContent('.cb-card .cb-product b'), names('products', ta.product));
  assert.ok(ta.appointment?.from, 'the task carries the appointment');
  assert.equal(Date.parse(await page.getAttribute('.cb-card .cb-appointment', 'data-from')), Date.parse(ta.appointment.from));
  assert.equal(Date.parse(await page.getAttribute('.cb-card .cb-appointment', 'data-to')), Date.parse(ta.appointment.to));
  assert.match(await page.textContent('.cb-card .cb-appointment'), /\d\d:\d\d–\d\d:\d\d|\d\d:\d\d–.*\d\d:\d\d/, 'the window reads from–to');
  assert.ok(await page.locator('.cb-script .item[data-item="good_time"]').count() === 1, 'the 回访话术 script is shown');
  assert.ok((await page.textContent('.cb-say')).includes('是否方便'), "the script's opening line is there to read");

  // No answer: one tap, back home, the task waits for its retry.
  await page.click('#cb-no-answer');
  await page.waitForSelector('#cb-flash');
  assert.ok((await page.textContent('#cb-flash')).includes('无人接听'));
  const ta2 = await task(a);
  assert.equal(ta2.attempts.length, 1);
  assert.equal(ta2.attempts[0].outcome, 'no_answer');
  assert.equal(ta2.attempts[0].agent, AGENT);
  assert.equal(ta2.status, 'pending');
  assert.ok(ta2.next_attempt_at && !ta2.lease_holder, 'held back for a retry, lease given up');
  await page.waitForSelector(`.cb-row[data-task="${a}"]`);

  // The next claim is another task (A is held back): the customer asks to be
  // called later. A time past the deadline is refused by the server, with the reason.
  const b = await claimInUI(page);
  assert.notEqual(b, a);
  const tb = await task(b);
  assert.ok(orders.includes(tb.workorder_id), 'claimed a task made here');
  await page.click('.item[data-item="good_time"] button[data-value="call_later"]');
  await page.waitForSelector('#cb-later-form:not([hidden])');
  await page.fill('#cb-later-at', shLocal(new Date(Date.parse(tb.deadline_at) + 86400000)));
  await page.click('#cb-later-save');
  await page.waitForFunction(() => document.querySelector('#cb-later-err')?.textContent.trim().length > 0);
  assert.ok((await page.textContent('#cb-later-err')).includes('期限'), 'the 422 names the deadline: ' + await page.textContent('#cb-later-err'));
  assert.equal((await task(b)).attempts.length, 0, 'nothing stored for a refused time');
  const tomorrow10 = new Date(shLocal(new Date(Date.now() + 86400000)).slice(0, 10) + 'T10:00:00+08:00');
  await page.fill('#cb-later-at', shLocal(tomorrow10));
  await page.click('#cb-later-save');
  await page.waitForSelector('#cb-flash');
  const tb2 = await task(b);
  assert.equal(tb2.attempts.length, 1);
  assert.equal(tb2.attempts[0].outcome, 'call_later');
  assert.equal(Date.parse(tb2.attempts[0].call_at), tomorrow10.getTime(), 'the agreed time, read as Beijing time');
  assert.equal(Date.parse(tb2.next_attempt_at), tomorrow10.getTime());
  assert.equal(tb2.status, 'pending');

  // A is on the retry list; while the admin holds it, opening it from the
  // list is refused on the row, naming the holder, and the agent stays home.
  // (Done on A, which gets its result next: a claim by id clears a task's
  // retry time, so a release would put it straight back in the ready queue.)
  const adminName = loginOfRole('admin').username;
  await page.waitForSelector(`.cb-row[data-task="${a}"] button`);
  assert.equal((await apiSend(admin, 'POST', `/callbacks/${a}/claim`)).status, 200);
  try {
    await page.click(`.cb-row[data-task="${a}"] button`);
    await page.waitForFunction((id) => document.querySelector(`.cb-row[data-task="${id}"] .cb-row-msg`)?.textContent.trim().length > 0, a);
    const said = await page.textContent(`.cb-row[data-task="${a}"] .cb-row-msg`);
    assert.ok(said.includes(adminName), 'the 409 names the holder: ' + said);
    assert.equal(new URL(page.url()).pathname, '/', 'still on the home');
    assert.equal((await task(a)).lease_holder, adminName);
  } finally {
    assert.equal((await apiSend(admin, 'POST', `/callbacks/${a}/release`)).status, 200);
  }

  // Continue A from the retry list: opening it claims it for the agent first.
  assert.ok(!(await task(a)).lease_holder, 'A is nobody\'s now');
  await page.click(`.cb-row[data-task="${a}"] button`);
  await page.waitForSelector(`.cb-card[data-task="${a}"]`);
  const taClaimed = await task(a);
  assert.equal(taClaimed.status, 'claimed', 'opening from the list claims the task');
  assert.equal(taClaimed.lease_holder, AGENT);
  assert.ok(Date.parse(taClaimed.lease_until) > Date.now() + 10 * 60000, 'a fresh 15-minute lease');
  assert.ok(await page.isEnabled('#cb-no-answer'), 'the call screen works under the lease');
  // Read the script, record the result.
  const script = { good_time: 'yes', quality: 'unsatisfied', attitude: 'satisfied', punctual: 'no', rule_broken: 'no', recommend: 'maybe' };
  for (const [item, v] of Object.entries(script)) await page.click(`.item[data-item="${item}"] button[data-value="${v}"]`);
  await page.click('.item[data-item="overall_score"] button[data-value="2"]');
  await page.fill('.item[data-item="suggestions"] textarea', '晚上网速慢，希望尽快处理');
  // The 0–5 score is asked once: the script's question is the result's score.
  assert.equal(await page.locator('[data-field="score"]').count(), 0, 'no second score in the result form');
  assert.equal(await page.locator('.cb-call .item[data-item="overall_score"]').count(), 1);
  await page.click('[data-field="satisfaction"] button[data-value="unsatisfied"]');
  await page.evaluate(() => { scrollTo(0, 0); document.querySelector('.cb-script').scrollTop = 0; });
  await page.screenshot({ path: path.join(DOCS, 'agent-call.png') });

  // A second window on the same task, to try a second result later.
  const page2 = await ctx.newPage();
  await page2.goto(BASE + '/agent/call/' + encodeURIComponent(a));
  await page2.waitForSelector('#cb-submit');

  // Unsatisfied needs a reason: said before anything is sent.
  await page.click('#cb-submit');
  await page.waitForFunction(() => document.querySelector('[data-err="reasons"]')?.textContent.includes('原因'));
  assert.equal((await task(a)).result, null, 'nothing sent without a reason');
  const reasons = (await apiGet(agentToken, '/callbacks/reasons')).items;
  await page.check(`input[name=reason][value="${reasons[0]}"]`);
  await page.fill('input[name=reason_other]', '晚上经常掉线');
  await page.fill('textarea[name=note]', '客户要求装维人员再次上门检查');
  await page.click('#cb-submit');
  await page.waitForSelector('#cb-flash');
  assert.ok((await page.textContent('#cb-flash')).includes(ta.customer.name));
  await page.waitForFunction((n) => document.querySelector('.cb-counter[data-counter="done_today"]')?.dataset.value === String(n), done0 + 1);
  const sum1 = await countersMatchSummary(page);
  assert.equal(sum1.done_today, done0 + 1, "the result counts in today's done");

  const ta3 = await task(a);
  assert.equal(ta3.status, 'done');
  assert.equal(ta3.attempts.length, 1, 'the no-answer attempt stays on record');
  const r = ta3.result;
  assert.equal(r.satisfaction, 'unsatisfied');
  assert.deepEqual(r.reasons, [reasons[0], '晚上经常掉线']);
  assert.equal(r.score_0_5, 2);
  assert.equal(r.note, '客户要求装维人员再次上门检查');
  assert.equal(r.by, AGENT);
  assert.equal(r.template_id, 'callback_script');
  assert.ok(r.template_version >= 1);
  assert.deepEqual(r.answers, { ...script, overall_score: 2, suggestions: '晚上网速慢，希望尽快处理' });
  assert.ok(ta3.rectification_id, '不满意 opens a rectification');

  // The second window's result is refused, and it says so.
  await page2.click('[data-field="satisfaction"] button[data-value="satisfied"]');
  await page2.click('#cb-submit');
  await page2.waitForFunction(() => document.querySelector('#cb-result-msg')?.textContent.trim().length > 0);
  assert.ok((await page2.textContent('#cb-result-msg')).includes('已有结果'), await page2.textContent('#cb-result-msg'));
  assert.equal((await task(a)).result.satisfaction, 'unsatisfied', 'the first result stands');
  // Opened again, the done task shows its result instead of a form.
  await page2.goto(BASE + '/agent/call/' + encodeURIComponent(a));
  await page2.waitForSelector('#cb-done');
  assert.equal(await page2.locator('#cb-submit').count(), 0);
  await ctx.close();
});

test('agent on a phone: the card fits, leaving gives the claim back, offline is said plainly, a lost claim is refused', async () => {
  agentToken ??= await apiLogin(AGENT);
  assert.equal(orders.length, 3, 'the desk test made the tasks');
  await clearTheWay(orders);
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'allow',
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await agentLogin(page);
  const c = await claimInUI(page);
  assert.equal((await task(c)).lease_holder, AGENT);
  assert.ok(orders.includes((await task(c)).workorder_id), 'claimed a task made here');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scroll at 390 px');
  const tel = page.locator('#cb-tel');
  assert.ok((await tel.boundingBox()).y < 844, 'tap-to-call is on the first screen');
  assert.ok((await page.locator('#cb-no-answer').boundingBox()).y < 844, 'the one-tap outcomes are on the first screen');
  await page.screenshot({ path: path.join(DOCS, 'agent-phone.png') });
  await shot(page, 'agent-02-phone-full');

  // Back to the queue without an outcome: the claim is released.
  await page.click('#cb-back');
  await page.waitForSelector('#cb-next:not([disabled])');
  const tc = await task(c);
  assert.equal(tc.status, 'pending');
  assert.ok(!tc.lease_holder, 'lease given back');
  assert.equal(tc.attempts.length, 0);

  // Closing the tab while holding a claim releases it too.
  const d = await claimInUI(page);
  assert.equal((await task(d)).status, 'claimed');
  await page.close({ runBeforeUnload: true });
  let td;
  for (let i = 0; i < 50; i++) {
    td = await task(d);
    if (td.status !== 'claimed') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(td.status, 'pending', 'closing the page released the claim');

  // A long call: opened by its address the task is claimed, and while the
  // screen stays open the lease is renewed every 10 minutes (the page's clock
  // is moved on; the server's lease_until moves with the renewal).
  const p3 = await ctx.newPage();
  await p3.clock.install();
  await p3.goto(BASE + '/agent/call/' + encodeURIComponent(d));
  await p3.waitForSelector(`.cb-card[data-task="${d}"]`);
  const td1 = await task(d);
  assert.equal(td1.lease_holder, AGENT, 'opening by address claims the task');
  assert.equal(Date.parse(await p3.getAttribute('#cb-lease', 'data-lease-until')), Date.parse(td1.lease_until));
  await p3.clock.fastForward('09:00');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(Date.parse((await task(d)).lease_until), Date.parse(td1.lease_until), 'no renewal before 10 minutes');
  // The lease shown before the renewal is read first: read after the
  // fast-forward, a quick renewal would already have changed it. The wait
  // polls from here in real time (the page's own timers are the fake clock's).
  const before = await p3.getAttribute('#cb-lease', 'data-lease-until');
  await p3.clock.fastForward('01:10');
  for (let i = 0; ; i++) {
    if ((await p3.getAttribute('#cb-lease', 'data-lease-until')) !== before) break;
    assert.ok(i < 300, 'the lease was not renewed on screen within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const td2 = await task(d);
  assert.equal(td2.lease_holder, AGENT);
  assert.ok(Date.parse(td2.lease_until) > Date.parse(td1.lease_until), 'the lease was renewed');
  assert.equal(Date.parse(await p3.getAttribute('#cb-lease', 'data-lease-until')), Date.parse(td2.lease_until), 'the screen shows the renewed lease');
  await p3.click('#cb-back');
  await p3.waitForSelector('#cb-next:not([disabled])');
  assert.ok(!(await task(d)).lease_holder, 'leaving gives the renewed claim back');
  await p3.close();

  // Offline: no pretending. The shell still opens (service worker) and says
  // callbacks need the network; back online, the queue comes back by itself.
  const p2 = await ctx.newPage();
  await p2.goto(BASE + '/');
  await p2.waitForSelector('#cb-next:not([disabled])');
  await p2.evaluate(async () => { await navigator.serviceWorker.ready; });
  await ctx.setOffline(true);
  await p2.reload();
  await p2.waitForSelector('#cb-msg.warnbox');
  assert.ok((await p2.textContent('#cb-msg')).includes('需要联网'));
  assert.equal(await p2.isDisabled('#cb-next'), true);
  await shot(p2, 'agent-03-offline');
  await ctx.setOffline(false);
  await p2.waitForSelector('#cb-next:not([disabled])', { timeout: 60000 });

  // A claim that ran out and was taken by someone else: the agent's next tap
  // is refused (409) and the screen says who holds the task now.
  const e = await claimInUI(p2);
  assert.equal((await apiSend(agentToken, 'POST', `/callbacks/${e}/release`)).status, 200); // as a lapsed lease would
  // The admin's claims already hold everything ahead of it, so the head of
  // the queue is the task just given back.
  const r = await apiSend(admin, 'POST', '/callbacks/claim');
  assert.equal(r.status, 200);
  if (r.body.id !== e) held.add(r.body.id);
  assert.equal(r.body.id, e, 'the admin took over ' + e);
  try {
    await p2.click('#cb-no-answer');
    await p2.waitForFunction(() => document.querySelector('#cb-out-msg')?.textContent.trim().length > 0);
    const said = await p2.textContent('#cb-out-msg');
    assert.ok(said.includes('领取已失效') && said.includes('admin'), said);
    assert.equal((await task(e)).attempts.length, 0, 'nothing recorded on a task held by another');
    assert.equal(await p2.isDisabled('#cb-busy'), true, 'no more taps on a task that is not ours');
    await shot(p2, 'agent-04-lease-lost');
  } finally {
    await apiSend(admin, 'POST', `/callbacks/${e}/release`);
  }
  await ctx.close();
});
