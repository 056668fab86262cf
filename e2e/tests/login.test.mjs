// Logging in at shift start: when the server answers "busy" (429
// login_busy, many phones at once) the app waits and tries again by itself;
// a wrong password and the per-user throttle are said plainly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, phone, login } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a busy server at login is waited out; a wrong password is said plainly', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const { username, password } = login('tech.li');
  let calls = 0;
  // The first two answers are the server's "busy" (as when 2×CPU password
  // checks are already running); the third goes to the real server.
  await page.route('**/api/v1/auth/login', async (route) => {
    calls++;
    if (calls <= 2) {
      await route.fulfill({ status: 429, headers: { 'Retry-After': '1', 'Content-Type': 'application/json' },
        body: JSON.stringify({ error: { code: 'login_busy', message: 'busy' } }) });
    } else await route.continue();
  });
  await page.goto(BASE + '/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.querySelector('form.login .err')?.textContent.trim());
  assert.equal(calls, 3, 'two busy answers retried, then the real answer');
  assert.match(await page.textContent('form.login .err'), /用户名或密码错误/);

  calls = 0;
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('article.order', { timeout: 30000 });
  assert.equal(calls, 3, 'logged in after waiting out two busy answers');
  await ctx.close();
});
