// Words a user should never see (issue 14): every screen, as every demo
// role, is read for codes and internal ids — unit codes (chengdu-east),
// product codes (broadband+iptv), role codes (technician), usernames
// (tech.li), callback and rectification ids (cb-…, rc-…) and UUIDs. Names
// come from the server (GET /names, sync/pull); business identifiers (工单号
// WO…, store codes SC-…) stay and are not looked for.
//
// The walk follows the app's own navigation: from a role's home it opens
// every in-app link (a[data-link]) it finds, screen after screen, with every
// <details> opened, plus the screens reached by a button (the agent's next
// call, an inspector's new walk). Each screen shape (/wo/:id, /orders/:id …)
// is visited a few times, not for every record. Every offender is listed —
// role, screen, the code, the text around it — and written to
// artifacts/words-offenders.json; the test fails if there is any.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BASE, ARTIFACTS, launch, phone, login, logins, apiLogin, apiGet } from './lib.mjs';

// One login per role (the first the demo printed of each).
const WALKERS = ['technician', 'inspector', 'agent', 'supervisor', 'admin']
  .map((role) => logins.find((l) => l.role === role)?.username).filter(Boolean);
const PER_SHAPE = 3; // visits of one screen shape (/wo/:id) per role
const MAX_SCREENS = 40; // per role

let browser;
let known; // [{ kind, code }]
before(async () => {
  browser = await launch();
  known = await knownCodes();
});
after(async () => { await browser?.close(); });

async function all(token, p) {
  const out = [];
  let after = '';
  for (let i = 0; i < 50; i++) {
    const r = await apiGet(token, p + (p.includes('?') ? '&' : '?') + 'limit=500' + (after ? '&after=' + encodeURIComponent(after) : ''));
    out.push(...(r.items || []));
    if (!r.next) break;
    after = r.next;
  }
  return out;
}

// knownCodes asks the server, as admin, for every code the demo uses. Codes
// written in Chinese (a CSV may say 宽带) are names already and not looked for.
async function knownCodes() {
  const token = await apiLogin('admin');
  const admin = await apiGet(token, '/names');
  const users = await all(token, '/users');
  const stores = await all(token, '/stores');
  const orders = await all(token, '/workorders?from=2000-01-01&to=2100-01-01');
  const set = new Map();
  // A unit or product with no display name yet is shown as its code, muted,
  // by design (names.js): only codes the server has a name for must never
  // show (other test files make unnamed units of their own).
  const named = { unit: admin.units || {}, product: admin.products || {} };
  const add = (kind, code) => {
    if (!code || !/^[\x21-\x7e]+$/.test(code)) return;
    if (named[kind] && !named[kind][code]) return;
    set.set(kind + ' ' + code, { kind, code });
  };
  for (const u of users) { add('username', u.username); add('role', u.role); add('unit', u.unit); }
  for (const s of stores) add('unit', s.unit);
  for (const o of orders) { add('product', o.product); add('unit', o.unit); add('username', o.technician); }
  for (const code of Object.keys(admin.units || {})) add('unit', code);
  for (const code of Object.keys(admin.roles || {})) add('role', code);
  assert.ok([...set.values()].some((c) => c.kind === 'product'), 'the demo has products');
  return [...set.values()];
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A code counts where it stands alone: not part of a longer word, code or
// id (tech.li in tech.lin is not tech.li).
const around = '[A-Za-z0-9_.+\\-]';
const ID_PATTERNS = [
  { kind: 'callback id', re: /\bcb-\d{3,}\b/g },
  { kind: 'rectification id', re: /\brc-\d{3,}\b/g },
  { kind: 'uuid', re: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi },
];

// offendersIn lists every known code and internal id in text.
function offendersIn(text) {
  const out = [];
  const hit = (kind, code, index, length) => {
    const from = Math.max(0, index - 24);
    const context = text.slice(from, index + length + 24).replace(/\s+/g, ' ').trim();
    out.push({ kind, code, context });
  };
  for (const { kind, code } of known) {
    const re = new RegExp(`(?<!${around})${esc(code)}(?!${around})`, 'g');
    for (const m of text.matchAll(re)) hit(kind, code, m.index, code.length);
  }
  for (const { kind, re } of ID_PATTERNS) for (const m of text.matchAll(re)) hit(kind, m[0], m.index, m[0].length);
  return out;
}

// settle waits until the page has no request in flight for 400 ms (the
// screens load their data after they draw), at most 10 s.
function tracker(page) {
  let inflight = 0;
  let last = Date.now();
  const up = () => { inflight++; last = Date.now(); };
  const down = () => { inflight = Math.max(0, inflight - 1); last = Date.now(); };
  page.on('request', up);
  page.on('requestfinished', down);
  page.on('requestfailed', down);
  return async () => {
    const end = Date.now() + 10000;
    await page.waitForTimeout(150);
    while (Date.now() < end && (inflight > 0 || Date.now() - last < 400)) await page.waitForTimeout(100);
  };
}

// shape names a screen without its record: /wo/WO20261128-19 → /wo/:id.
const shape = (p) => p.split('/').map((seg, i) => (i >= 2 ? ':id' : seg)).join('/');

async function uiLoginAny(page, username) {
  const { password } = login(username);
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForFunction(() => location.pathname !== '/login' && document.querySelector('main')?.innerText.trim(), null, { timeout: 30000 });
}

// go navigates the way the app's links do (history + its router).
async function go(page, settle, p) {
  await page.evaluate((to) => { history.pushState(null, '', to); dispatchEvent(new PopStateEvent('popstate')); }, p);
  await settle();
}

async function read(page) {
  await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
  await page.waitForTimeout(100);
  return page.evaluate(() => ({
    text: document.body.innerText,
    view: document.body.dataset.view || '',
    links: [...new Set([...document.querySelectorAll('a[data-link]')].map((a) => a.getAttribute('href')))],
  }));
}

// Screens reached by a button rather than a link: [role, on path, button, undo].
// Labels are the zh ones the screens use (the test's browser is zh-CN).
const ACTIONS = [
  { role: 'agent', on: /^\/$/, click: '#cb-next', undo: '#cb-release' },
  { role: 'inspector', on: /^\/$/, click: 'main button:has-text("开始巡检")' },
  { role: 'inspector', on: /^\/insp\/spotcheck$/, click: 'main button:has-text("抽查此单")' },
];

// pick keeps, of a page's links of one shape, the first two and the last:
// a list's newest records and its oldest (a finished order, a sent sheet).
function pick(links) {
  const by = new Map();
  for (const href of links) {
    if (!href?.startsWith('/') || href.startsWith('/login')) continue;
    const sh = shape(href);
    if (!by.has(sh)) by.set(sh, []);
    by.get(sh).push(href);
  }
  return [...by.values()].flatMap((l) => [...new Set([l[0], l[1], l[l.length - 1]].filter(Boolean))]);
}

async function walk(username) {
  const { role } = login(username);
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const settle = tracker(page);
  await uiLoginAny(page, username);
  await settle();
  const screens = [];
  const seen = new Set();
  const shapes = new Map();
  const queue = ['/'];
  const visit = async (label) => {
    const r = await read(page);
    const where = new URL(page.url()).pathname;
    screens.push({ role, username, screen: label || where, view: r.view, offenders: offendersIn(r.text) });
    return r;
  };
  while (queue.length && screens.length < MAX_SCREENS) {
    const p = queue.shift();
    if (seen.has(p)) continue;
    seen.add(p);
    const sh = shape(p);
    if ((shapes.get(sh) || 0) >= PER_SHAPE) continue;
    shapes.set(sh, (shapes.get(sh) || 0) + 1);
    await go(page, settle, p);
    const landed = new URL(page.url()).pathname;
    if (landed === '/login') break;
    if (landed !== p) seen.add(landed);
    const r = await visit(landed === p ? p : p + ' → ' + landed);
    for (const href of pick(r.links)) if (!seen.has(href)) queue.push(href);
    for (const a of ACTIONS.filter((x) => x.role === role && x.on.test(landed))) {
      const btn = page.locator(a.click).first();
      if (!(await btn.count()) || !(await btn.isEnabled())) continue;
      await btn.click();
      await settle();
      const there = new URL(page.url()).pathname;
      if (there === landed) continue; // nothing opened (no task left, …)
      seen.add(there);
      const r2 = await visit(`${landed} [${a.click}] → ${there}`);
      for (const href of pick(r2.links)) if (!seen.has(href)) queue.push(href);
      if (a.undo && await page.locator(a.undo).count()) { await page.click(a.undo); await settle(); }
      await go(page, settle, landed);
    }
  }
  await ctx.close();
  return { screens, errors };
}

test('no screen of any role shows a code, a username or an internal id', async () => {
  assert.ok(WALKERS.length >= 5, 'a demo login of every role: ' + WALKERS.join(', '));
  assert.ok(known.some((c) => c.code === 'chengdu-east') && known.some((c) => c.code === 'tech.li'),
    'the codes to look for include the demo units and usernames');
  const found = [];
  const visited = [];
  const problems = []; // a walk that broke off: said with the offenders, not instead of them
  for (const username of WALKERS) {
    let screens = [];
    try {
      const w = await walk(username);
      screens = w.screens;
      for (const e of w.errors) problems.push(`${username}: page error: ${e}`);
    } catch (e) {
      problems.push(`${username}: the walk broke off: ${e.message.split('\n')[0]}`);
    }
    if (screens.length < 2) problems.push(`${username}: only ${screens.length} screen(s) walked`);
    for (const s of screens) {
      visited.push(`${s.role} ${s.screen} (${s.view})`);
      for (const o of s.offenders) found.push({ role: s.role, user: s.username, screen: s.screen, view: s.view, ...o });
    }
  }
  // One line per distinct (role, view, code): the same unit on 40 rows of
  // one table is one thing to fix.
  const lines = new Map();
  for (const f of found) {
    const k = `${f.role} ${f.view} ${f.kind} ${f.kind === 'uuid' || f.kind.endsWith(' id') ? f.kind : f.code}`;
    if (!lines.has(k)) lines.set(k, { ...f, times: 0 });
    lines.get(k).times++;
  }
  const report = [...lines.values()];
  writeFileSync(path.join(ARTIFACTS, 'words-offenders.json'), JSON.stringify({ visited, problems, offenders: report }, null, 1));
  const text = report.map((f) => `${f.role} ${f.screen} [${f.view}] ${f.kind} "${f.code}" ×${f.times}: …${f.context}…`).join('\n');
  assert.equal(report.length + problems.length, 0, `codes or internal ids on screen (${report.length}; screens walked: ${visited.length}):\n${text}` +
    (problems.length ? '\n' + problems.join('\n') : ''));
});

// The names reach the phone: an online role has them after login (app.js),
// and a field phone learns a code named later from its next pull (sync.js),
// kept for offline use.
test('names come with login and with the next pull', async () => {
  const token = await apiLogin('admin');
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  const cached = () => page.evaluate(() => JSON.parse(localStorage.getItem('fc.names') || '{}'));

  const agent = logins.find((l) => l.role === 'agent').username;
  await uiLoginAny(page, agent);
  await page.waitForFunction(() => localStorage.getItem('fc.names'));
  let names = await cached();
  assert.equal(names.roles?.agent?.zh, '回访坐席', 'role names after login');
  assert.ok(names.people?.[agent]?.zh, 'the agent is named');
  assert.ok(names.products?.['broadband+iptv']?.zh, 'product names after login');
  await ctx.close();

  const ctx2 = await phone(browser);
  const page2 = await ctx2.newPage();
  const tech = logins.find((l) => l.role === 'technician').username;
  await uiLoginAny(page2, tech);
  const code = 'e2e-probe-' + Date.now();
  const res = await fetch(BASE + '/api/v1/names/product/' + code, {
    method: 'PUT', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ zh: '探针产品', en: 'Probe product' }),
  });
  assert.equal(res.status, 200, await res.text());
  await page2.evaluate(() => window.fieldcheck.sync.pull());
  const got = await page2.evaluate((c) => JSON.parse(localStorage.getItem('fc.names') || '{}').products?.[c]?.zh, code);
  assert.equal(got, '探针产品', 'the rename arrived with the pull');
  await ctx2.close();
});
