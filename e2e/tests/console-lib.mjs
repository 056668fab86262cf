// Helpers for the console's browser tests (issue 16): a desk context
// (1280×800), the admin's login through the form, and a display name for a
// test unit (so no unit code shows on a screen).
import { BASE, loginOfRole } from './lib.mjs';
import { call } from './desk-fixture.mjs';

export async function desk(browser) {
  return browser.newContext({
    viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'allow', acceptDownloads: true,
  });
}

// adminLogin logs the demo admin in and waits for their home (the dashboard).
export async function adminLogin(page) {
  const { username, password } = loginOfRole('admin');
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#supdash', { timeout: 60000 });
}

export async function nameUnit(u, zh, en, parent) {
  await call(u.tok.admin, 'PUT', '/names/unit/' + encodeURIComponent(u.unit), { zh, en, ...(parent ? { parent } : {}) });
}

// rename gives the unit's people names of their own (deskUnit names every
// unit's people alike).
export async function rename(u, tag) {
  const names = { tech: tag + '师傅', sup: tag + '主管', agent: tag + '回访员', insp: tag + '督查' };
  for (const [k, name] of Object.entries(names)) {
    await call(u.tok.admin, 'PATCH', '/users/' + encodeURIComponent(u.people[k].username), { name });
    u.people[k].name = name;
  }
}
