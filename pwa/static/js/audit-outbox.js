// An audit's findings made with no signal (issue 20): each verdict and each
// piece of evidence waits in IndexedDB (kv "audit.ops") and leaves the phone
// through the sheets' own sync rounds (sync.addQueue): the photo first
// (sync.uploadPhoto, content-addressed), then the request. Both requests are
// idempotent on the server (a verdict replaces itself, the same file on the
// same item is kept once), so a send cut off anywhere is simply sent again.
// A later verdict on the same order or item replaces the one still waiting.
// Kept small: it is on the phone's first load; the screens are in
// console/audits.js, loaded when opened.
import * as db from './db.js';
import { api, ApiError, NetError, currentSession } from './api.js';
import * as sync from './sync.js';
import { emit } from './bus.js';

const KEY = 'audit.ops';
const enc = encodeURIComponent;

export const ops = async () => (await db.kvGet(KEY)) || [];

// change rewrites the list in one transaction (read, fn, write).
function change(fn) {
  return db.tx('kv', 'readwrite', (s) => new Promise((res, rej) => {
    const r = s.kv.get(KEY);
    r.onsuccess = () => { const out = fn(r.result || []); s.kv.put(out, KEY); res(out); };
    r.onerror = () => rej(r.error);
  }));
}

// queue keeps one op: {audit, item, kind: 'judge', body: {order?, ok, note}}
// or {audit, item, kind: 'evidence', sha, ext}, plus labels for the outbox
// list ({label, sub}). A waiting op on the same target is replaced.
export async function queue(op) {
  op.id = db.uuid();
  op.at = new Date().toISOString();
  op.target = [op.audit, op.item, op.kind, op.kind === 'judge' ? op.body.order || '' : op.sha].join('|');
  await change((list) => [...list.filter((x) => x.target !== op.target || x.sending), op]);
  changed();
  send();
  return op;
}

// drop removes a refused op the person gave up on.
export async function drop(id) {
  const list = await change((l) => l.filter((x) => x.id !== id));
  changed();
  return list;
}

// changed updates the pending badge; an audit's screen is redrawn by the
// "audit" event once the outbox has sent (or been refused).
function changed() {
  sync.refreshCounter();
}

// fetchAudit reads an audit's results (with the audit itself) and keeps them
// for offline use.
export async function fetchAudit(id) {
  const r = await api('GET', '/audits/' + enc(id) + '/results');
  const v = { at: new Date().toISOString(), results: r };
  await db.kvSet('audit:' + id, v);
  return v;
}

// send: the field roles' sync rounds carry the ops; a desk role (a
// supervisor auditing their unit, the admin) has no rounds, so its ops are
// sent at once, and again whenever an audit is opened online (flush).
const FIELD = ['technician', 'inspector'];
function send() {
  if (FIELD.includes(currentSession()?.user?.role)) sync.syncNow('audit');
  else flush();
}
let flushing = null, again = false;
export function flush() {
  if (FIELD.includes(currentSession()?.user?.role)) return Promise.resolve(0);
  if (flushing) { again = true; return flushing; }
  flushing = (async () => {
    let n = 0;
    do { again = false; n += await push().catch(() => 0); } while (again);
    return n;
  })().finally(() => { flushing = null; });
  return flushing;
}

const retryLater = (e) => e instanceof NetError || (e instanceof ApiError && (e.status === 401 || e.status === 429 || e.status >= 500));

async function push() {
  let sent = 0;
  const touched = new Set();
  for (const op of await ops()) {
    if (op.error) continue; // refused: kept and shown until the person drops it
    const path = '/audits/' + enc(op.audit) + '/items/' + enc(op.item);
    await change((l) => l.map((x) => (x.id === op.id ? { ...x, sending: true } : x)));
    try {
      if (op.kind === 'evidence') {
        if (!(await sync.uploadPhoto(op.sha))) throw new ApiError(422, { error: { code: 'photo_missing', message: '照片不在本机 / the photo is not on this phone' } });
        await api('POST', path + '/evidence', { body: { sha256: op.sha, ext: op.ext || 'jpg' } });
      } else {
        await api('POST', path + '/judge', { body: op.body });
      }
      await change((l) => l.filter((x) => x.id !== op.id));
      sent++;
    } catch (e) {
      await change((l) => l.map((x) => (x.id === op.id ? { ...x, sending: false, ...(retryLater(e) ? {} : { error: { status: e.status || 0, code: e.code || '', message: e.message } }) } : x)));
      if (retryLater(e)) throw e;
    }
    touched.add(op.audit);
  }
  for (const id of touched) await fetchAudit(id).catch(() => {});
  if (touched.size) changed();
  for (const id of touched) emit('audit', id);
  return sent;
}

// The sheets' rounds send these too; the badge and the logout guard count
// them, the outbox export carries them (with their photos, as body.photo).
sync.addQueue({
  count: async () => (await ops()).length,
  send: push,
  list: async () => (await ops()).map((o) => ({ queue: 'audit', ...o, body: o.kind === 'evidence' ? { photo: o.sha, ext: o.ext } : o.body })),
});
