// The server contract (API.md) from the phone's side: bearer tokens kept in
// IndexedDB for offline use, refresh with the lost-reply rule, and "online"
// decided by reaching /healthz, never by navigator.onLine.
import * as db from './db.js';
import { acceptLanguage } from './i18n.js';
import { emit } from './bus.js';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status; this.code = e.code || ''; this.fields = e.fields || null; this.body = body;
  }
}
// NetError: the request never got an answer (offline, timeout, aborted).
export class NetError extends Error {}

let session = null; // {access_token, refresh_token, expires_at, user, expired}

export async function loadSession() { session = (await db.kvGet('session')) || null; return session; }
export function currentSession() { return session; }
async function saveSession(s) { session = s; await db.kvSet('session', s); emit('session', s); }

function withTimeout(ms, outer) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException('timeout', 'TimeoutError')), ms);
  if (outer) outer.addEventListener('abort', () => ctl.abort(outer.reason), { once: true });
  return { signal: ctl.signal, done: () => clearTimeout(timer) };
}

async function rawFetch(path, opts = {}, timeoutMs = 30000) {
  const t = withTimeout(timeoutMs, opts.signal);
  try {
    return await fetch(path, { ...opts, signal: t.signal, cache: 'no-store', credentials: 'same-origin' });
  } catch (e) {
    throw new NetError(e && e.message ? e.message : 'network');
  } finally { t.done(); }
}

async function parse(res) {
  if (res.status === 204 || res.status === 205) return null;
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('json')) { try { return await res.json(); } catch { return null; } }
  return null;
}

let online = null;
export function isOnline() { return online === true; }
// checkOnline pings the server itself: a captive portal or a dead uplink
// says "online" to navigator.onLine but cannot answer our /healthz.
export async function checkOnline() {
  let ok = false;
  try {
    const res = await rawFetch('/healthz?t=' + Date.now(), { method: 'GET' }, 5000);
    ok = res.ok;
  } catch { ok = false; }
  if (ok !== online) { online = ok; emit('online', ok); }
  return ok;
}
function markOffline() { if (online !== false) { online = false; emit('online', false); } }
function markOnline() { if (online !== true) { online = true; emit('online', true); } }

export async function login(username, password) {
  const device_id = await db.deviceId();
  let res, body;
  // A whole shift logging in at once gets "busy" (429 login_busy, not a
  // wrong password): wait as told and try again a few times by itself.
  for (let tries = 0; ; tries++) {
    res = await rawFetch('/api/v1/auth/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Accept-Language': acceptLanguage() },
      body: JSON.stringify({ username, password, device_id }),
    });
    markOnline();
    body = await parse(res);
    if (res.status !== 429 || body?.error?.code !== 'login_busy' || tries >= 4) break;
    const wait = Math.min(10, Number(res.headers.get('Retry-After')) || 2);
    await new Promise((r) => setTimeout(r, wait * 1000 * (1 + Math.random() / 2)));
  }
  if (!res.ok) throw new ApiError(res.status, body);
  await saveSession(pairToSession(body, body.user));
  return session;
}

function pairToSession(body, user) {
  return {
    access_token: body.access_token, refresh_token: body.refresh_token,
    expires_at: Date.now() + (Number(body.expires_in) || 900) * 1000,
    user: user || (session && session.user), expired: false,
  };
}

let refreshing = null;
// refresh trades the refresh token for a new pair. A reply lost on a bad
// line is forgiven by the server (the same spent token answers the same
// successor while the successor is unused), so on a network error we keep
// the old token and simply try again later. A 401 means the family was
// revoked or expired: ask the person to log in again, touch nothing else.
export function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    if (!session || !session.refresh_token) throw new ApiError(401, null);
    const res = await rawFetch('/api/v1/auth/refresh', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    markOnline();
    const body = await parse(res);
    if (res.status === 401 || res.status === 403) { await expire(); throw new ApiError(401, body); }
    if (!res.ok) throw new ApiError(res.status, body);
    await saveSession(pairToSession(body, body.user || session.user));
    return session;
  })().finally(() => { refreshing = null; });
  return refreshing;
}

async function expire() {
  if (session) await saveSession({ ...session, access_token: '', expired: true });
}

// api calls an /api/v1 route with the bearer token, refreshing once.
export async function api(method, path, { body, raw, headers = {}, timeout = 30000, signal } = {}) {
  if (!session || session.expired) throw new ApiError(401, { error: { code: 'session_expired' } });
  if (!session.access_token || Date.now() > session.expires_at - 30000) await refresh();
  const send = () => {
    const h = { 'Accept-Language': acceptLanguage(), Authorization: 'Bearer ' + session.access_token, ...headers };
    let b = raw;
    if (body !== undefined) { h['Content-Type'] = 'application/json'; b = JSON.stringify(body); }
    return rawFetch('/api/v1' + path, { method, headers: h, body: b, signal }, timeout);
  };
  let res;
  try { res = await send(); } catch (e) { if (e instanceof NetError) markOffline(); throw e; }
  markOnline();
  if (res.status === 401) {
    await refresh();
    res = await send();
    if (res.status === 401) { await expire(); }
  }
  if (method === 'HEAD') return res;
  const out = await parse(res);
  if (!res.ok) throw new ApiError(res.status, out);
  return out;
}

export async function logoutServer() {
  try { await api('POST', '/auth/logout', { timeout: 5000 }); } catch { /* best effort: local wipe still happens */ }
}

// authedFetch is for the speed test: a raw Response, the caller reads the stream.
export async function authedFetch(path, opts = {}) {
  if (!session || session.expired) throw new ApiError(401, null);
  if (Date.now() > session.expires_at - 30000) await refresh();
  const headers = { ...(opts.headers || {}), Authorization: 'Bearer ' + session.access_token };
  return fetch('/api/v1' + path, { ...opts, headers, cache: 'no-store' });
}

// openReport: a sheet's 检查汇总反馈表 PDF
export async function openReport(id) { location.assign(`/api/v1/submissions/${encodeURIComponent(id)}/report.pdf?token=${encodeURIComponent((await api('POST', '/auth/file-token')).token)}`); }
