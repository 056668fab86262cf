// The shell loads each role's screens only for that role (issue 13): the
// login page fetches the shell alone, a technician's phone runs the
// technician's module and never the agent's or the inspector's, and it
// still opens them with no signal (the service worker's precache).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, phone, uiLogin, login, loginOfRole } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const ROLE_MODULES = ['technician.js', 'inspector.js', 'agent.js', 'supervisor.js', 'qa.js', 'desk.js'];

// loaded: the role modules this page has fetched or preloaded (the service
// worker's own precache fetches are not the page's).
const loaded = (page) => page.evaluate((mods) => {
  const names = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)
    .concat([...document.querySelectorAll('link[rel=modulepreload]')].map((l) => new URL(l.href).pathname));
  return mods.filter((m) => names.includes('/js/' + m));
}, ROLE_MODULES);

test('the login page loads no role module; a technician loads only theirs, offline too', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(BASE + '/login');
  await page.waitForSelector('form.login');
  assert.deepEqual(await loaded(page), [], 'role modules on the login page');

  await uiLogin(page, loginOfRole('technician').username);
  assert.deepEqual(await loaded(page), ['technician.js']);

  // No signal: a fresh start gets the technician's screens from the precache.
  await ctx.setOffline(true);
  await page.reload();
  await page.waitForSelector('article.order', { timeout: 30000 });
  assert.deepEqual(await loaded(page), ['technician.js']);
  assert.equal(await page.evaluate(() => document.body.dataset.view), 'viewOrders');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('an inspector loads the inspector module only and gets their own home', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const { username, password } = login(loginOfRole('inspector').username);
  await page.goto(BASE + '/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.body.dataset.view === 'inspectorHome', null, { timeout: 30000 });
  assert.deepEqual(await loaded(page), ['inspector.js']);
  // A technician's address is not an inspector's screen: it goes home.
  await page.goto(BASE + '/orders/x');
  await page.waitForFunction(() => document.body.dataset.view === 'inspectorHome' && location.pathname === '/', null, { timeout: 30000 });
  await ctx.close();
});
