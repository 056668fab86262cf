// Lighthouse (mobile, its defaults: simulated slow 4G and 4× CPU) on the
// login page and on each role's home after login (technician, inspector,
// agent, supervisor) and the console's home (issue 16),
// three runs each; prints the median performance and the accessibility and
// best-practices scores, and fails when they are under the targets of
// issue 14 (performance ≥ 0.95, accessibility 1.00, best practices 1.00).
//
// Run it through run.sh, which builds and starts a demo server:
//   make lighthouse            (= bash e2e/run.sh lighthouse)
// It uses the Debian chromium (CHROME_PATH, default /usr/bin/chromium).
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const BASE = process.env.FC_BASE;
if (!BASE) throw new Error('FC_BASE is not set: run through e2e/run.sh lighthouse');
const RUNS = Number(process.env.LH_RUNS || 3);
const ART = path.resolve(process.env.FC_ARTIFACTS || 'artifacts');
mkdirSync(ART, { recursive: true });
const logins = Object.fromEntries((process.env.FC_LOGINS || '').split(';').filter(Boolean).map((l) => {
  const [, username, password] = l.trim().split(/\s+/);
  return [username, password];
}));

const TARGETS = [
  { name: 'login', user: null, path: '/login', ready: 'form.login' },
  { name: 'technician home', user: 'tech.zhang', path: '/', ready: 'article.order' },
  { name: 'inspector home', user: 'insp.zhao', path: '/', ready: 'article.store' },
  { name: 'agent home', user: 'agent.liu', path: '/', ready: '#cb-next' },
  { name: 'supervisor home', user: 'sup.east', path: '/', ready: '#supdash #kpis .kpi' },
  // The operator's console (issue 16: accessibility and best practices 1.00;
  // its performance is reported, not held to the field roles' 0.95: it is a
  // desk screen that loads its code on first use, online only).
  { name: 'console home', user: 'admin', home: '#supdash', path: '/console', ready: '.ctiles', minPerf: 0 },
];
// LH_ONLY=console runs only the targets whose name contains the word.
const only = process.env.LH_ONLY || '';

const chromeFlags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function logIn(browser, target) {
  const { user } = target;
  const page = await browser.newPage();
  await page.setViewport({ width: 412, height: 823, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true });
  await page.goto(BASE + '/login');
  await page.waitForSelector('input[name=username]');
  await page.type('input[name=username]', user);
  await page.type('input[name=password]', logins[user]);
  await page.click('button[type=submit]');
  await page.waitForSelector(target.home || target.ready, { timeout: 60000 }); // the role's home after login
  // Let the first sync finish so the measured load is an ordinary start.
  await new Promise((r) => setTimeout(r, 3000));
  await page.close();
}

async function once(target) {
  const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH || '/usr/bin/chromium', chromeFlags });
  try {
    const flags = { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility', 'best-practices'] };
    if (target.user) {
      const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
      await logIn(browser, target);
      browser.disconnect();
      flags.disableStorageReset = true; // keep the session (IndexedDB) the login left
    }
    const r = await lighthouse(BASE + target.path, flags);
    const lhr = r.lhr;
    const cat = (k) => lhr.categories[k].score;
    const failing = Object.values(lhr.audits).filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary').map((a) => a.id);
    return { perf: cat('performance'), a11y: cat('accessibility'), bp: cat('best-practices'), failing, lhr,
      lcp: lhr.audits['largest-contentful-paint'].numericValue, fcp: lhr.audits['first-contentful-paint'].numericValue };
  } finally {
    await chrome.kill();
  }
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let ok = true;
const lines = [];
for (const target of TARGETS.filter((t) => t.name.includes(only))) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(target));
  const perf = median(runs.map((r) => r.perf));
  const a11y = Math.min(...runs.map((r) => r.a11y));
  const bp = Math.min(...runs.map((r) => r.bp));
  writeFileSync(path.join(ART, `lighthouse-${target.name.replace(/\s+/g, '-')}.json`), JSON.stringify(runs[runs.length - 1].lhr));
  const failing = [...new Set(runs.flatMap((r) => r.failing))];
  const line = `${target.name}: performance ${perf.toFixed(2)} (runs ${runs.map((r) => r.perf.toFixed(2)).join(' ')}; LCP ${runs.map((r) => Math.round(r.lcp)).join('/')} ms) · accessibility ${a11y.toFixed(2)} · best practices ${bp.toFixed(2)}` +
    (failing.length ? ` · failing: ${failing.join(', ')}` : '');
  lines.push(line);
  console.log(line);
  if (perf < (target.minPerf ?? 0.95) || a11y < 1 || bp < 1) ok = false;
}
console.log(ok ? 'lighthouse: all targets met' : 'lighthouse: a target was missed');
process.exit(ok ? 0 : 1);
