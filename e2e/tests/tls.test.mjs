// Served over HTTPS on a real name (issue 17): browsers give service workers,
// the camera and geolocation only to secure origins, so an operator's
// http://10.x.x.x:8080 silently loses offline mode. Chromium resolves
// fieldcheck.test to 127.0.0.1 and trusts the certificate this test makes
// (by its public-key hash); the same name over plain HTTP shows what would
// be lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, request } from 'playwright-core';
import { fillAcceptance, shot, pendingCount } from './lib.mjs';

const BIN = process.env.FC_BIN;
const FIX = (n) => path.resolve('fixtures', `site-${n}.jpg`);
const servers = [];
const dirs = [];

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// serve starts `fieldcheck serve --demo` and resolves with its demo logins.
async function serve(extra) {
  const port = await freePort();
  const data = mkdtempSync(path.join(os.tmpdir(), 'fc-tls-'));
  dirs.push(data);
  const proc = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', data, '--demo', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(proc);
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const logins = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start: ' + out + err)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('fieldcheck listening on')) {
        clearTimeout(timer);
        resolve([...out.matchAll(/demo login: (\S+) (\S+) (\S+)/g)].map((m) => ({ role: m[1], username: m[2], password: m[3] })));
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}${err}`)));
  });
  return { port, logins };
}

let browser;
let spki;
let tls;
let plain;
before(async () => {
  assert.ok(BIN, 'FC_BIN is not set: run through e2e/run.sh');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-cert-'));
  dirs.push(dir);
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=fieldcheck.test', '-addext', 'subjectAltName=DNS:fieldcheck.test'], { stdio: 'ignore' });
  spki = execFileSync('sh', ['-c', `openssl x509 -in '${cert}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`]).toString().trim();
  tls = await serve(['--tls-cert', cert, '--tls-key', key]);
  plain = await serve([]);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP fieldcheck.test 127.0.0.1', `--ignore-certificate-errors-spki-list=${spki}`],
  });
});
after(async () => {
  await browser?.close();
  for (const p of servers) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function phoneAt(origin) {
  return browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'allow',
    permissions: ['geolocation'], geolocation: { latitude: 30.66, longitude: 104.06, accuracy: 15 }, baseURL: origin,
  });
}

// capabilities is what the page may use on this origin.
const capabilities = (page) => page.evaluate(async () => {
  const geo = await new Promise((resolve) => {
    if (!navigator.geolocation) return resolve('absent');
    navigator.geolocation.getCurrentPosition((p) => resolve(`ok ${p.coords.latitude.toFixed(2)}`), (e) => resolve('denied: ' + e.message), { timeout: 5000 });
  });
  return { secure: window.isSecureContext, serviceWorker: 'serviceWorker' in navigator, geo };
});

test('over HTTPS on fieldcheck.test: service worker, geolocation and the offline sheet work', async () => {
  const origin = `https://fieldcheck.test:${tls.port}`;
  const ctx = await phoneAt(origin);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  const tech = tls.logins.find((l) => l.username === 'tech.zhang') || tls.logins.find((l) => l.role === 'technician');
  await page.goto(origin + '/');
  await page.waitForURL('**/login');
  const caps = await capabilities(page);
  assert.deepEqual({ secure: caps.secure, serviceWorker: caps.serviceWorker }, { secure: true, serviceWorker: true }, JSON.stringify(caps));
  assert.match(caps.geo, /^ok 30\.66/, 'geolocation on a secure origin: ' + caps.geo);
  await page.fill('input[name=username]', tech.username);
  await page.fill('input[name=password]', tech.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('article.order', { timeout: 30000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
  const orderId = await page.getAttribute('article.order >> nth=0', 'data-order');

  // No signal: the shell comes from the service worker, the sheet is filled
  // and queued, and it survives a reload.
  await ctx.setOffline(true);
  await page.click(`article.order[data-order="${orderId}"] a.btn.primary`);
  await page.waitForSelector('.checklist .item');
  await fillAcceptance(page, [FIX(1), FIX(2), FIX(3)], { downMbps: 312.4 });
  await page.click('#submit');
  await page.waitForSelector('[data-state="queued"]');
  const sheetId = page.url().split('/').pop();
  await page.reload();
  await page.waitForSelector('.checklist .item');
  assert.equal(await pendingCount(page), 1);
  await shot(page, 'tls-offline-sheet');

  await ctx.setOffline(false);
  await page.waitForFunction(() => document.querySelector('#pending')?.dataset.count === '0', null, { timeout: 90000 });

  // The server holds it, complete, with the phone's location.
  // Node resolves names itself: ask the same server by address.
  const api = await request.newContext({ baseURL: `https://127.0.0.1:${tls.port}`, ignoreHTTPSErrors: true });
  const login = await api.post('/api/v1/auth/login', { data: { username: tech.username, password: tech.password, device_id: 'tls-check' } });
  assert.equal(login.status(), 200);
  const token = (await login.json()).access_token;
  const res = await api.get('/api/v1/submissions/' + sheetId, { headers: { Authorization: 'Bearer ' + token } });
  assert.equal(res.status(), 200);
  const sub = await res.json();
  assert.equal(sub.subject.workorder_id, orderId);
  assert.equal(sub.complete, true, 'complete: ' + JSON.stringify(sub.missing_photos));
  assert.ok(sub.location && Math.abs(sub.location.lat - 30.66) < 0.01, 'the sheet carries the phone location: ' + JSON.stringify(sub.location));
  assert.match(res.headers()['strict-transport-security'] || '', /max-age=/, 'HSTS over TLS');
  await api.dispose();
  await ctx.close();
});

test('the same name over plain HTTP: no secure context, so no service worker and no geolocation', async () => {
  const origin = `http://fieldcheck.test:${plain.port}`;
  const ctx = await phoneAt(origin);
  const page = await ctx.newPage();
  await page.goto(origin + '/');
  await page.waitForURL('**/login');
  const caps = await capabilities(page);
  assert.equal(caps.secure, false);
  assert.equal(caps.serviceWorker, false, 'no service worker off a secure origin: offline mode is gone');
  assert.doesNotMatch(caps.geo, /^ok/, 'geolocation refused off a secure origin: ' + caps.geo);
  await shot(page, 'tls-plain-http-login');
  await ctx.close();
});
