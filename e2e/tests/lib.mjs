// Shared helpers for the browser tests: the Debian Chromium, a 390×844 phone
// context, the demo logins run.sh hands over, and direct API calls to check
// what the server holds.
import { chromium } from 'playwright-core';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const BASE = process.env.FC_BASE;
export const ARTIFACTS = process.env.FC_ARTIFACTS || path.resolve('artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
// The screenshots committed under docs/screenshots are rewritten only when
// asked (make screenshots sets FC_SHOTS_DIR); an ordinary run keeps its
// copies with the other artifacts, so make test leaves the tree clean.
export const SHOTS_DIR = process.env.FC_SHOTS_DIR || path.join(ARTIFACTS, 'screenshots');
mkdirSync(SHOTS_DIR, { recursive: true });
if (!BASE) throw new Error('FC_BASE is not set: run the tests through e2e/run.sh');

export const logins = (process.env.FC_LOGINS || '').split(';').filter(Boolean).map((l) => {
  const [role, username, password] = l.trim().split(/\s+/);
  return { role, username, password };
});
export function login(username) {
  const l = logins.find((x) => x.username === username);
  if (!l) throw new Error(`no demo login for ${username} (have: ${logins.map((x) => x.username).join(', ')})`);
  return l;
}
export function loginOfRole(role) {
  const l = logins.find((x) => x.role === role);
  if (!l) throw new Error('no demo login of role ' + role);
  return l;
}

// The machine has no internet: these flags stop Chromium's own background
// traffic from flooding refused connections.
export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function phone(browser) {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'allow', acceptDownloads: true,
  });
  return ctx;
}

export async function shot(page, name) {
  const file = path.join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

export async function apiLogin(username) {
  const { password } = login(username);
  const res = await fetch(BASE + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password, device_id: 'e2e-checker' }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}
export async function apiGet(token, p, { raw = false } = {}) {
  const res = await fetch(BASE + '/api/v1' + p, { headers: { Authorization: 'Bearer ' + token } });
  if (raw) return res;
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// uiLogin logs in through the login form and waits for the order list.
export async function uiLogin(page, username) {
  const { password } = login(username);
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('article.order', { timeout: 30000 });
  // The service worker must hold the shell before the network goes away.
  await swControls(page);
  await page.waitForSelector('article.order', { timeout: 30000 });
}

// swControls waits until the service worker controls the page. A page whose
// navigation began while the worker was still installing (the login page
// registered it, then the test went to '/') is not claimed and never gets
// a controllerchange: it is reloaded, as a person's next start would be.
export async function swControls(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  const ok = await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 5000 }).then(() => true, () => false);
  if (!ok) {
    await page.reload();
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30000 });
  }
}

// fillAcceptance answers every item of the open sheet: checks yes, pass_fail
// pass, the first choice, ratings 5, texts, photos from the fixtures, a drawn
// signature and a manual speed test.
export async function fillAcceptance(page, fixtures, { downMbps }) {
  // Only what the sheet shows: its conditions hide what does not apply.
  const items = await page.$$eval('.item', (els) => els.filter((e) => !e.closest('[hidden]')).map((e) => ({ id: e.dataset.item, type: e.dataset.type })));
  let fx = 0;
  for (const it of items) {
    const sel = `.item[data-item="${it.id}"]`;
    switch (it.type) {
      case 'check': await page.click(`${sel} button[data-value="true"]`); break;
      case 'pass_fail': await page.click(`${sel} button[data-value="pass"]`); break;
      case 'rating': await page.click(`${sel} button[data-value="5"]`); break;
      case 'choice': await page.click(`${sel} .segbtn >> nth=0`); break;
      case 'text': await page.fill(`${sel} textarea`, '客厅电视柜左侧 / left of the TV cabinet'); break;
      case 'count': await page.fill(`${sel} input`, '0'); await page.press(`${sel} input`, 'Tab'); break;
      case 'number': await page.fill(`${sel} input`, '1'); await page.press(`${sel} input`, 'Tab'); break;
      case 'photo': {
        const min = Math.max(1, await photoMin(page, it.id));
        for (let i = 0; i < min; i++) {
          const before = await page.locator(`${sel} img[data-sha]`).count();
          await page.setInputFiles(`${sel} input[data-pick]`, fixtures[fx++]);
          await page.waitForFunction(([s, n]) => document.querySelectorAll(s + ' img[data-sha]').length > n, [sel, before]);
        }
        break;
      }
      case 'signature': {
        await page.locator(`${sel} canvas.sigpad`).scrollIntoViewIfNeeded();
        const box = await page.locator(`${sel} canvas.sigpad`).boundingBox();
        await page.mouse.move(box.x + 30, box.y + 120);
        await page.mouse.down();
        for (let i = 0; i <= 20; i++) await page.mouse.move(box.x + 30 + i * 12, box.y + 120 - Math.sin(i / 3) * 50, { steps: 2 });
        await page.mouse.up();
        await page.mouse.move(box.x + 60, box.y + 60);
        await page.mouse.down();
        await page.mouse.move(box.x + 200, box.y + 150, { steps: 8 });
        await page.mouse.up();
        await page.click(`${sel} button.primary`);
        await page.waitForSelector(`${sel} img.sigimg`);
        break;
      }
      case 'speedtest': {
        await page.click(`${sel} details.manualbox summary`);
        await page.fill(`${sel} input[name=down_mbps]`, String(downMbps));
        await page.fill(`${sel} input[name=up_mbps]`, '52.5');
        await page.fill(`${sel} input[name=ping_ms]`, '8');
        await page.fill(`${sel} input[name=jitter_ms]`, '1.2');
        await page.click(`${sel} form.manual button[type=submit]`);
        await page.waitForSelector(`${sel} .speed`);
        break;
      }
    }
  }
}

async function photoMin(page, id) {
  // The template is in IndexedDB; read the rule from the page's own data.
  // A new sheet is kept (and moves to /sheet/<id>) once something is entered.
  await page.waitForURL('**/sheet/*');
  return page.evaluate(async (itemId) => {
    const sheetId = location.pathname.split('/').pop();
    const sh = await window.fieldcheck.db.get('sheets', sheetId);
    const tpl = await window.fieldcheck.db.get('templates', sh.template_id + '@' + sh.template_version);
    for (const s of tpl.sections) for (const it of s.items) if (it.id === itemId) return it.photos?.min || 0;
    return 0;
  }, id);
}

// storedPhotos returns {sha: base64} of what the phone itself keeps.
export async function storedPhotos(page) {
  return page.evaluate(async () => {
    const all = await window.fieldcheck.db.all('photos');
    const out = {};
    for (const p of all) {
      const b = new Uint8Array(p.bytes);
      let s = '';
      for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
      out[p.sha] = { type: p.type, b64: btoa(s), uploaded: p.uploaded };
    }
    return out;
  });
}

export async function pendingCount(page) {
  return Number(await page.getAttribute('#pending', 'data-count'));
}
