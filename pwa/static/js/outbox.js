// The outbox of single requests made offline, one API call each: a
// technician's appointment entries and unreachable attempts (kind 'visit',
// tech-visit.js), an audit's verdicts and evidence ('audit', audit-outbox.js).
// They ride the sheets' sync rounds (sync.js), badge, logout guard and 待发送
// page. An entry: {id, kind, key, method, path, body, photo?, target?, at,
// error?} plus what its module draws it with. Kept in kv "outbox", sent in
// order, the photo's bytes first. Each request is idempotent on the server
// (the body carries `key` where the route takes one; a retry is answered 200
// and records nothing twice), so: 2xx — sent, removed; no answer, 401, 429,
// 5xx — kept, the round stops, tried later; any other 4xx — kept with the
// server's words until the person drops it. 409 key_reused is one of those:
// the key names another entry, so this one was not recorded.
import * as db from './db.js';
import { api, ApiError } from './api.js';
import { emit } from './bus.js';
import { t } from './i18n.js';

const KEY = 'outbox';
// The lists kept before there was one outbox: moved in on the first read.
const OLD_VISITS = 'acts', OLD_AUDITS = 'audit.ops';

// uploadPhoto makes sure the server holds sha: HEAD first, PUT the raw bytes
// only when it does not. Returns false when the bytes are not on this phone.
export async function uploadPhoto(sha) {
  const p = await db.get('photos', sha);
  if (!p) return false;
  if (p.uploaded) return true;
  const head = await api('HEAD', '/photos/' + sha, { timeout: 15000 });
  if (head.status !== 200) {
    await api('PUT', '/photos/' + sha, {
      raw: new Blob([p.bytes], { type: p.type }), headers: { 'Content-Type': p.type }, timeout: 180000,
    });
  }
  p.uploaded = true;
  await db.put('photos', p);
  return true;
}

const enc = encodeURIComponent;
// fromVisit and fromAudit turn an entry of the old lists into one of ours.
function fromVisit(a) {
  return {
    id: a.key, kind: 'visit', key: a.key, method: 'POST', path: `/workorders/${enc(a.order_id)}/${a.path}`,
    body: { ...a.body, key: a.key }, ...(a.body?.photo ? { photo: a.body.photo } : {}),
    at: a.queued_at || new Date().toISOString(), order_id: a.order_id, act: a.path,
    ...(a.error ? { error: { status: 0, code: '', message: String(a.error) } } : {}),
  };
}
function fromAudit(o) {
  const path = '/audits/' + enc(o.audit) + '/items/' + enc(o.item) + (o.kind === 'evidence' ? '/evidence' : '/judge');
  const { kind, sending, ...rest } = o;
  return {
    ...rest, kind: 'audit', op: kind, key: o.id, method: 'POST', path,
    body: kind === 'evidence' ? { sha256: o.sha, ext: o.ext || 'jpg' } : o.body, ...(kind === 'evidence' ? { photo: o.sha } : {}),
  };
}

// change rewrites the list in one transaction (read, fn, write); its
// callers have run migrate first.
function change(fn) {
  return db.tx('kv', 'readwrite', (s) => new Promise((res, rej) => {
    const r = s.kv.get(KEY);
    r.onsuccess = () => { const out = fn(r.result || []); s.kv.put(out, KEY); res(out); };
    r.onerror = () => rej(r.error);
  })).then((list) => { emit('outbox', list); return list; });
}

// migrate moves what the old lists hold into the outbox, in one transaction
// (read both, append, delete them), before anything reads the outbox.
let migrated = null;
function migrate() {
  migrated ??= db.tx('kv', 'readwrite', (s) => new Promise((res, rej) => {
    const got = {};
    let n = 0;
    for (const k of [KEY, OLD_VISITS, OLD_AUDITS]) {
      const r = s.kv.get(k);
      r.onerror = () => rej(r.error);
      r.onsuccess = () => {
        got[k] = r.result;
        if (++n < 3) return;
        const old = [...(got[OLD_VISITS] || []).map(fromVisit), ...(got[OLD_AUDITS] || []).map(fromAudit)];
        if (old.length) {
          const have = new Set((got[KEY] || []).map((e) => e.id));
          s.kv.put([...(got[KEY] || []), ...old.filter((e) => !have.has(e.id)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))], KEY);
        }
        if (got[OLD_VISITS] !== undefined) s.kv.delete(OLD_VISITS);
        if (got[OLD_AUDITS] !== undefined) s.kv.delete(OLD_AUDITS);
        res(old.length);
      };
    }
  })).catch((e) => { migrated = null; throw e; });
  return migrated;
}

// entries: what waits, oldest first (kind: only that module's).
export async function entries(kind) {
  await migrate();
  const list = (await db.kvGet(KEY)) || [];
  return kind ? list.filter((e) => e.kind === kind) : list;
}
export async function count() { return (await entries()).length; }

// enqueue keeps one request. A waiting entry with the same target (a later
// verdict on the same item) is replaced, unless it is on its way now.
export async function enqueue(e) {
  await migrate();
  const entry = { method: 'POST', ...e, key: e.key || db.uuid(), at: new Date().toISOString() };
  entry.id = entry.key;
  await change((l) => [...l.filter((x) => !entry.target || x.target !== entry.target || x.id === inflight), entry]);
  return entry;
}

// drop removes an entry the person gave up on (a refused one).
export async function drop(id) {
  await migrate();
  return change((l) => l.filter((x) => x.id !== id));
}

// after(kind, fn): fn(done) runs after each send pass with the kind's
// entries the server answered (each with its reply, or its error).
const hooks = {};
export function after(kind, fn) { hooks[kind] = fn; }

const retryLater = (e) => !(e instanceof ApiError) || e.status === 401 || e.status === 429 || e.status >= 500;

let inflight = '';
let sending = null, again = false;
// send runs one pass over the waiting entries (calls while one runs fold
// into one more pass) and resolves with how many were sent; it rejects when
// the server could not be reached, so the sync round reports it.
export function send() {
  if (sending) { again = true; return sending; }
  sending = (async () => {
    let n = 0;
    do { again = false; n += await pass(); } while (again);
    return n;
  })().finally(() => { sending = null; });
  return sending;
}

async function pass() {
  let sent = 0;
  const tried = new Set(), done = [];
  try {
    for (;;) {
      // The list is read afresh each time: an entry replaced or dropped
      // meanwhile is not sent.
      const e = (await entries()).find((x) => !x.error && !tried.has(x.id));
      if (!e) break;
      tried.add(e.id);
      inflight = e.id;
      try {
        if (e.photo && !(await uploadPhoto(e.photo))) throw new ApiError(422, { error: { code: 'photo_missing', message: t('photo_missing_local') } });
        const reply = await api(e.method, e.path, { body: e.body });
        await change((l) => l.filter((x) => x.id !== e.id));
        done.push({ ...e, reply });
        sent++;
      } catch (err) {
        if (retryLater(err)) throw err;
        const error = { status: err.status, code: err.code || '', message: err.message };
        await change((l) => l.map((x) => (x.id === e.id ? { ...x, error } : x)));
        done.push({ ...e, error });
      }
    }
  } finally {
    inflight = '';
    for (const [kind, fn] of Object.entries(hooks)) {
      const mine = done.filter((x) => x.kind === kind);
      if (mine.length) await fn(mine).catch(() => {});
    }
    // Once the modules have filed the replies, their screens redraw.
    if (done.length) await entries().then((l) => emit('outbox', l), () => {});
  }
  return sent;
}
