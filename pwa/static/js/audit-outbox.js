// An audit's findings made with no signal (issue 20): each verdict and each
// piece of evidence waits in the outbox (outbox.js, kind 'audit') and leaves
// the phone through the sheets' own sync rounds: the photo first, then the
// request. Both requests are idempotent on the server (a verdict replaces
// itself, the same file on the same item is kept once), so a send cut off
// anywhere is simply sent again. A later verdict on the same order or item
// replaces the one still waiting. Kept small: it is on the phone's first
// load; the screens are in console/audits.js, loaded when opened.
import * as db from './db.js';
import { api, currentSession } from './api.js';
import * as sync from './sync.js';
import * as outbox from './outbox.js';
import { emit } from './bus.js';

const enc = encodeURIComponent;

// ops: the audit's entries waiting, oldest first. Each carries audit, item,
// op ('judge' with body {order?, ok, note}, or 'evidence' with sha and ext),
// the labels for the outbox list ({label, sub}) and, once refused, error.
export const ops = () => outbox.entries('audit');

// queue keeps one op: {audit, item, op, body | sha+ext, label, sub}. A
// waiting op on the same target is replaced.
export async function queue(o) {
  const path = '/audits/' + enc(o.audit) + '/items/' + enc(o.item) + '/' + o.op;
  const evidence = o.op === 'evidence';
  const entry = await outbox.enqueue({
    ...o, kind: 'audit', path,
    body: evidence ? { sha256: o.sha, ext: o.ext || 'jpg' } : o.body, ...(evidence ? { photo: o.sha } : {}),
    target: [o.audit, o.item, o.op, evidence ? o.sha : o.body.order || ''].join('|'),
  });
  send();
  return entry;
}

// drop removes a refused op the person gave up on.
export const drop = (id) => outbox.drop(id);

// fetchAudit reads an audit's results (with the audit itself) and keeps them
// for offline use.
export async function fetchAudit(id) {
  const r = await api('GET', '/audits/' + enc(id) + '/results');
  const v = { at: new Date().toISOString(), results: r };
  await db.kvSet('audit:' + id, v);
  return v;
}

// Once sent (or refused), the audits touched are read again and their
// screens redrawn (the "audit" event).
outbox.after('audit', async (done) => {
  const touched = new Set(done.map((o) => o.audit));
  for (const id of touched) await fetchAudit(id).catch(() => {});
  for (const id of touched) emit('audit', id);
});

// send: the field roles' sync rounds carry the ops; a desk role (a
// supervisor auditing their unit, the admin) has no rounds, so its ops are
// sent at once, and again whenever an audit is opened online (flush).
const FIELD = ['technician', 'inspector'];
function send() {
  if (FIELD.includes(currentSession()?.user?.role)) sync.syncNow('audit');
  else flush();
}
export function flush() {
  if (FIELD.includes(currentSession()?.user?.role)) return Promise.resolve(0);
  return outbox.send().catch(() => 0);
}
