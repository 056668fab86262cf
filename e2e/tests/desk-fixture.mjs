// A unit of its own for the agent's and supervisor's browser tests (issue
// 14): the admin creates a technician, a supervisor, an agent and an
// inspector in a fresh unit, a store, and work orders; sheets are pushed as
// the technician with the finish times a test needs (days ago for a task past
// its deadline). Nothing else on the shared demo server touches the unit, so
// its figures, queue and rectifications are exactly what a test made.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { BASE, apiLogin, loginOfRole } from './lib.mjs';

export const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const PASSWORD = 'e2e-desk-Passw0rd';

export async function call(token, method, p, body, { type = 'application/json', raw = false } = {}) {
  const res = await fetch(BASE + '/api/v1' + p, {
    method, headers: { Authorization: 'Bearer ' + token, ...(body !== undefined ? { 'Content-Type': type } : {}) },
    body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
  });
  if (raw) return res;
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// ---------- a unique picture per call: a small PNG of random pixels ----------
const CRC = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function noisePNG(w = 96, h = 72) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const rows = [];
  for (let y = 0; y < h; y++) rows.push(Buffer.from([0]), randomBytes(w * 3));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

export async function upload(token, bytes = noisePNG(), type = 'image/png') {
  const sha = sha256(bytes);
  const res = await call(token, 'PUT', '/photos/' + sha, bytes, { type, raw: true });
  assert.ok(res.status === 201 || res.status === 200, `photo upload ${res.status} ${await res.text()}`);
  return sha;
}

// deskUnit builds the unit and logs its people in through the API.
export async function deskUnit(tag) {
  const stamp = (Date.now().toString(36) + randomBytes(2).toString('hex')).toLowerCase();
  const unit = `e2e-${tag}-${stamp}`;
  const admin = await apiLogin(loginOfRole('admin').username);
  const people = {
    tech: { username: `t.${tag}.${stamp}`, name: '测试师傅', role: 'technician' },
    sup: { username: `s.${tag}.${stamp}`, name: '测试主管', role: 'supervisor' },
    agent: { username: `a.${tag}.${stamp}`, name: '测试回访员', role: 'agent' },
    insp: { username: `i.${tag}.${stamp}`, name: '测试督查', role: 'inspector' },
  };
  const tok = { admin };
  for (const [k, p] of Object.entries(people)) {
    await call(admin, 'POST', '/users', { ...p, password: PASSWORD, unit });
    tok[k] = await loginAs(p.username);
  }
  const store = { id: `SC-E2E-${stamp.toUpperCase()}`, name: `测试营业厅${stamp.slice(-4)}`, address: '成都市锦江区测试路 1 号', unit };
  await call(tok.sup, 'POST', '/stores', store);
  return { stamp, unit, people, tok, store, password: PASSWORD, n: 0 };
}

export async function loginAs(username) {
  const res = await fetch(BASE + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD, device_id: 'e2e-desk' }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

// order creates a VIP install (straight to the manual callback queue) for the
// unit's technician, its appointment before `finishedAt`.
export async function order(u, { finishedAt = new Date(), tier = 'vip', mbps = 300 } = {}) {
  const id = `D${u.stamp.toUpperCase()}-${++u.n}`;
  const fin = new Date(finishedAt).getTime();
  await call(u.tok.sup, 'POST', '/workorders', {
    id, type: 'install', product: 'broadband', subscribed_mbps: mbps, technician: u.people.tech.username,
    customer: { name: `测试客户${u.n}`, phone: '13912340000', address: '成都市锦江区测试路 2 号', tier },
    appointment: { from: new Date(fin - 3 * 3600e3).toISOString(), to: new Date(fin - 2 * 3600e3).toISOString() },
  });
  return id;
}

let tplP = null;
// acceptance pushes an honest install_acceptance for orderID, finished at
// finishedAt; edit(answers, photos) changes what differs; deviceTime skews
// the phone's clock. Returns the submission id.
export async function acceptance(u, orderID, { finishedAt = new Date(), edit, deviceTime = new Date(), photos: given } = {}) {
  tplP ??= call(u.tok.tech, 'GET', '/templates/install_acceptance');
  const tpl = await tplP;
  const answers = {}; const photos = {};
  const pool = given ? [...given] : [];
  for (const sec of tpl.sections) {
    for (const it of sec.items) {
      switch (it.type) {
        case 'check': answers[it.id] = true; break;
        case 'pass_fail': answers[it.id] = 'pass'; break;
        case 'choice': answers[it.id] = it.choices[0].id; break;
        case 'text': answers[it.id] = '客厅电视柜左侧'; break;
        case 'rating': answers[it.id] = 5; break;
        case 'count': answers[it.id] = 0; break;
        case 'number': answers[it.id] = it.number?.min ?? 1; break;
        case 'speedtest': answers[it.id] = { down_mbps: 295, up_mbps: 52.5, ping_ms: 8, jitter_ms: 1.2, method: 'manual' }; break;
        case 'signature': answers[it.id] = await upload(u.tok.tech); break;
        case 'photo': {
          photos[it.id] = [];
          for (let i = 0; i < Math.max(1, it.photos?.min || 0); i++) photos[it.id].push(pool.shift() || await upload(u.tok.tech));
          break;
        }
      }
    }
  }
  edit?.(answers, photos);
  const fin = new Date(finishedAt);
  const id = `e2e-desk-${u.stamp}-${++u.n}`;
  const r = await call(u.tok.tech, 'POST', '/sync/push', { device_id: 'e2e-desk', device_time: new Date(deviceTime).toISOString(), submissions: [{
    id, template_id: tpl.id, template_version: tpl.version, subject: { workorder_id: orderID }, base_version: 0,
    started_at: new Date(fin.getTime() - 40 * 60000).toISOString(), finished_at: fin.toISOString(), answers, photos }] });
  assert.equal(r.results[0].status, 'accepted', JSON.stringify(r.results[0]));
  return id;
}

// taskOf finds the callback task of an order.
export async function taskOf(u, orderID) {
  const r = await call(u.tok.admin, 'GET', '/callbacks?workorder_id=' + encodeURIComponent(orderID));
  assert.equal(r.items.length, 1, 'one callback task for ' + orderID);
  return r.items[0];
}

// uiLoginAs logs a desk user in through the form and waits for the role's home.
export async function uiLoginAs(page, username, ready) {
  await page.goto(BASE + '/');
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  try {
    await page.waitForSelector(ready, { timeout: 60000 });
  } catch (e) {
    const state = await page.evaluate(async () => { const r = await navigator.serviceWorker.getRegistration(); return JSON.stringify({ url: location.href, ctl: !!navigator.serviceWorker.controller, active: r?.active?.state, waiting: !!r?.waiting, installing: !!r?.installing, text: document.body.innerText.slice(0, 400) }); }).catch((x) => String(x));
    throw new Error(e.message + '\npage: ' + state);
  }
}

// Beijing wall time pieces, as the agent's screen reads them.
export const shDay = (d) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(d));
