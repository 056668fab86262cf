// Inspections on a schedule (issue 21): a plan's due walkthrough reaches the
// inspector's phone, shows with no signal, and is walked and closed offline;
// a plan whose past weeks went unvisited shows them overdue on the
// supervisor's screen and in the plans console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, shot, login, loginOfRole, apiLogin, apiGet } from './lib.mjs';

const INSPECTOR = 'insp.zhao';
const DUE_STORE = 'SC-CD-003'; // 天府三街营业厅: planned monthly from today
const LATE_STORE = 'SC-CD-002'; // 建设路营业厅: planned weekly from three weeks ago, never walked

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function send(token, method, p, body) {
  const res = await fetch(BASE + '/api/v1' + p, {
    method, headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return JSON.parse(text);
}

const cnDay = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);

function phone() {
  return browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'allow',
  });
}

test('the inspector sees a due inspection offline and completes it', async () => {
  const admin = await apiLogin(loginOfRole('admin').username);
  const plan = await send(admin, 'POST', '/plans', { store_id: DUE_STORE, template_id: 'store_walkthrough', frequency: 'monthly',
    inspectors: [INSPECTOR], start: cnDay(Date.now()) });

  const ctx = await phone();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', INSPECTOR);
  await page.fill('input[name=password]', login(INSPECTOR).password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#due article.due[data-status="due"]', { timeout: 30000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });

  // No signal: the due walkthrough is still on the home, and is walked.
  await ctx.setOffline(true);
  await page.reload();
  const card = page.locator('#due article.due[data-status="due"]', { hasText: '天府三街营业厅' });
  await card.waitFor();
  assert.match(await card.textContent(), /前完成/, 'the card says by when');
  assert.doesNotMatch(await page.textContent('#due'), /SC-CD-|insp\./, 'no code or username on the card');
  await shot(page, 'sched-01-due-offline');
  await card.locator('button').click();
  await page.waitForSelector('.checklist .item');
  for (const id of ['storefront', 'vi_signage', 'led_display', 'hours_sign', 'functional_zones']) {
    await page.click(`.item[data-item="${id}"] button[data-value="pass"]`);
  }
  for (const id of ['hall_environment', 'service_facilities']) {
    await page.fill(`.item[data-item="${id}"] input`, '0');
    await page.press(`.item[data-item="${id}"] input`, 'Tab');
  }
  await page.click('#submit');
  await page.waitForSelector('[data-state="queued"]');
  await page.click('a[href="/"]');
  await page.waitForSelector('article.store');
  assert.equal(await page.locator('#due article.due', { hasText: '天府三街营业厅' }).count(), 0, 'finished on the phone: no longer due');

  // Back online: the sheet goes, and the server closes the window with it.
  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 90000 });
  const sup = await apiLogin(loginOfRole('admin').username);
  let win;
  for (let i = 0; i < 30; i++) {
    win = (await apiGet(sup, '/plan-windows?from=' + cnDay(Date.now()))).items.find((w) => w.plan_id === plan.id);
    if (win?.status === 'done') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(win?.status, 'done', 'the window is done: ' + JSON.stringify(win));
  const pdf = await apiGet(sup, `/submissions/${encodeURIComponent(win.submission_id)}/report.pdf`, { raw: true });
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  await ctx.close();
});

test('the supervisor sees an overdue inspection', async () => {
  const { username, password } = login('sup.east');
  const sup = await apiLogin(username);
  await send(sup, 'POST', '/plans', { store_id: LATE_STORE, template_id: 'store_walkthrough', frequency: 'weekly',
    inspectors: [INSPECTOR], start: cnDay(Date.now() - 21 * 864e5) });

  const ctx = await phone();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  const late = page.locator('#overdue li[data-status="missed"]', { hasText: '建设路营业厅' }).first();
  await late.waitFor({ timeout: 60000 });
  assert.match(await page.textContent('#overdue'), /逾期未检/);
  assert.doesNotMatch(await page.textContent('#overdue'), /SC-CD-|insp\.zhao/, 'names, not codes');
  await shot(page, 'sched-02-supervisor-overdue');

  // The plans console lists it too, with the plan.
  await page.click('#overdue a[href="/console/plans"]');
  await page.waitForSelector('#plans #planlist tr');
  assert.ok(await page.locator('#plans #overdue li[data-status="missed"]', { hasText: '建设路营业厅' }).count() >= 2, 'each missed week is listed');
  assert.match(await page.textContent('#planlist'), /每周/);
  // A new plan through the form: 春熙路营业厅 quarterly (seed 004 第八十条: the 地市 branch at least quarterly).
  await page.click('#newplan');
  await page.selectOption('#planform select[name=target]', 's:SC-CD-001');
  // A store takes a walkthrough (other tests add walkthrough templates of
  // their own, so which one comes first varies): the pick is one, and the
  // store walkthrough is offered.
  const walkIds = (await apiGet(sup, '/templates')).items.filter((x) => x.kind === 'walkthrough').map((x) => x.id);
  assert.ok(walkIds.includes(await page.inputValue('#planform select[name=template]')), 'a store takes a walkthrough');
  await page.selectOption('#planform select[name=template]', 'store_walkthrough');
  await page.selectOption('#planform select[name=frequency]', 'quarterly');
  await page.check(`#planform input[type=checkbox][value="${INSPECTOR}"]`);
  await page.click('#planform button[type=submit]');
  await page.waitForSelector('#planlist tr:has-text("每季度")');
  assert.match(await page.textContent('#planlist'), /春熙路营业厅/);
  const plans = (await apiGet(sup, '/plans')).items;
  assert.ok(plans.some((p) => p.subject.store_id === 'SC-CD-001' && p.versions[0].frequency === 'quarterly' && p.versions[0].inspectors.includes(INSPECTOR)), 'the plan is stored');
  await shot(page, 'sched-03-plans-console');
  await ctx.close();
});
