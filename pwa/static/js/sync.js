// Sync rounds, and the sheets' outbox. Sheets leave the phone only through
// here: photos first (HEAD, then PUT the bytes), then POST /sync/push, then
// whatever the server still reports missing; then the single requests
// waiting (outbox.js), then the pull. Every step is idempotent on the server
// (submission ids are client uuids, photos are content-addressed), so a push
// cut off anywhere is simply tried again: nothing is lost and nothing is
// doubled.
import * as db from './db.js';
import { api, ApiError, NetError, checkOnline, currentSession } from './api.js';
import { emit, on } from './bus.js';
import { referencedPhotos } from './rules.js';
import { setNames } from './names.js';
import * as requests from './outbox.js'; // the single requests waiting

export const OUTBOX_STATES = ['queued', 'sending', 'conflict', 'rejected'];

export function inOutbox(sheet) {
  return OUTBOX_STATES.includes(sheet.state) || (sheet.state === 'sent' && (sheet.missing || []).length > 0);
}
export function hasUnsaved(sheet) { return inOutbox(sheet) || sheet.state === 'draft'; }

export async function outbox() { return (await db.all('sheets')).filter(inOutbox); }
export async function unsent() { return (await db.all('sheets')).filter(hasUnsaved); }

// The other records waiting (appointment entries, unreachable attempts, an
// audit's verdicts and evidence) are single requests in outbox.js: they ride
// the same rounds and count in the same badge and logout guard.
export const queuedOther = () => requests.count();
on('outbox', () => { refreshCounter(); });

export async function refreshCounter() {
  const n = (await outbox()).length + await queuedOther();
  emit('pending', n);
  return n;
}

// emptyDraft: a draft never sent with nothing entered. Such drafts were
// made by merely opening a sheet (before issue 14); they are not kept.
const isEmpty = (o) => !o || !Object.keys(o).length;
export function emptyDraft(s) {
  return s.state === 'draft' && !(s.base_version > 0) && !s.server_version && isEmpty(s.answers) && isEmpty(s.photos);
}
// dropEmptyDrafts removes the empty drafts left on the phone (app start).
export async function dropEmptyDrafts() {
  const gone = (await db.all('sheets')).filter(emptyDraft);
  for (const s of gone) await db.del('sheets', s.id);
  return gone.length;
}

export async function templateFor(sheet) {
  return db.get('templates', sheet.template_id + '@' + sheet.template_version);
}

export function toSubmission(sheet, template) {
  const refs = new Set(referencedPhotos(template, sheet));
  const photo_meta = {};
  for (const [sha, m] of Object.entries(sheet.photo_meta || {})) if (refs.has(sha) && m && Object.keys(m).length) photo_meta[sha] = m;
  const s = {
    id: sheet.id, template_id: sheet.template_id, template_version: sheet.template_version,
    subject: sheet.subject, base_version: sheet.base_version || 0,
    started_at: sheet.started_at, finished_at: sheet.finished_at,
    answers: sheet.answers || {}, photos: sheet.photos || {},
  };
  if (Object.keys(photo_meta).length) s.photo_meta = photo_meta;
  if (sheet.location) s.location = sheet.location;
  // What the sheet's conditions were judged on (checklist.js).
  if (sheet.order_version) s.order_version = sheet.order_version;
  if (sheet.order_facts) s.order_facts = sheet.order_facts;
  return s;
}

// saveSheet writes a sheet and bumps its local revision, so a push result
// that comes back after a newer local edit does not overwrite that edit.
export async function saveSheet(sheet) {
  sheet.rev = (sheet.rev || 0) + 1;
  sheet.updated_at = new Date().toISOString();
  await db.put('sheets', sheet);
  emit('sheet', sheet);
  refreshCounter();
  return sheet;
}

async function patchSheet(id, rev, fn) {
  return db.tx('sheets', 'readwrite', (s) => new Promise((res, rej) => {
    const r = s.sheets.get(id);
    r.onsuccess = () => {
      const cur = r.result;
      if (!cur) return res(null);
      fn(cur, cur.rev === rev);
      s.sheets.put(cur);
      res(cur);
    };
    r.onerror = () => rej(r.error);
  })).then((cur) => { if (cur) emit('sheet', cur); return cur; });
}

async function uploadAll(shas, sheetId) {
  const failed = [];
  for (const sha of shas) {
    try {
      if (!(await requests.uploadPhoto(sha))) failed.push(sha);
    } catch (e) {
      if (e instanceof NetError || (e instanceof ApiError && (e.status === 401 || e.status >= 500 || e.status === 429))) throw e;
      // A photo the server refuses (415/422) is reported on its sheet.
      failed.push(sha);
      if (sheetId) await patchSheet(sheetId, null, (s) => { s.photo_errors = { ...(s.photo_errors || {}), [sha]: e.message }; });
    }
  }
  return failed;
}

async function push(device_id) {
  const queued = (await db.all('sheets')).filter((s) => s.state === 'queued' || s.state === 'sending');
  pushed = queued.length;
  for (let i = 0; i < queued.length; i += 100) {
    const batch = queued.slice(i, i + 100);
    const subs = [];
    for (const sh of batch) {
      const tpl = await templateFor(sh);
      try { await uploadAll(referencedPhotos(tpl, sh), sh.id); } catch (e) { if (e instanceof NetError) throw e; }
      subs.push(toSubmission(sh, tpl));
    }
    const revs = Object.fromEntries(batch.map((s) => [s.id, s.rev]));
    const res = await api('POST', '/sync/push', {
      body: { device_id, device_time: new Date().toISOString(), submissions: subs }, timeout: 60000,
    });
    const results = (res && res.results) || [];
    for (let k = 0; k < batch.length; k++) {
      const r = results[k] || results.find((x) => x.id === batch[k].id);
      if (r) await applyResult(batch[k].id, revs[batch[k].id], r);
    }
  }
}

async function applyResult(id, rev, r) {
  const now = new Date().toISOString();
  const updated = await patchSheet(id, rev, (s, same) => {
    s.last_result = r;
    if (r.status === 'accepted' || r.status === 'duplicate') {
      s.base_version = r.version;
      s.server_version = r.version;
      if (same) {
        s.state = 'sent'; s.sent_at = now; s.missing = r.missing_photos || [];
        delete s.rejection; delete s.conflict; delete s.server_copy;
      }
    } else if (r.status === 'conflict') {
      if (same) { s.state = 'conflict'; s.conflict = r.error || { code: 'conflict' }; }
    } else if (r.status === 'rejected') {
      if (same) { s.state = 'rejected'; s.rejection = r.error || { code: 'rejected' }; }
    }
  });
  if (updated && updated.state === 'conflict') {
    try {
      const copy = await api('GET', '/submissions/' + encodeURIComponent(id));
      await patchSheet(id, null, (s) => { s.server_copy = copy; });
    } catch { /* the server's copy may be another phone's sheet we cannot read: the error is shown */ }
  }
}

async function completeMissing() {
  const sheets = (await db.all('sheets')).filter((s) => s.state === 'sent' && (s.missing || []).length);
  for (const sh of sheets) {
    const failed = await uploadAll(sh.missing, sh.id);
    await patchSheet(sh.id, null, (s) => { s.missing = (s.missing || []).filter((x) => failed.includes(x)); });
  }
}

// pulled counts the records the last pull brought (0: nothing new).
let pulled = 0, pushed = 0;
export async function pull() {
  pulled = 0;
  let cursor = (await db.kvGet('cursor')) || '';
  for (let page = 0; page < 100; page++) {
    const r = await api('GET', '/sync/pull?cursor=' + encodeURIComponent(cursor), { timeout: 60000 });
    if (r.workorders?.length) await db.putMany('orders', r.workorders);
    if (r.removed?.length) {
      await db.delMany('orders', r.removed);
      // A sheet for an order that is no longer ours is never deleted: it is
      // marked, stays visible, and can still be exported.
      const gone = new Set(r.removed);
      for (const sh of await db.all('sheets')) if (gone.has(sh.subject?.workorder_id)) await patchSheet(sh.id, null, (s) => { s.order_removed = true; });
    }
    if (r.templates?.length) await db.putMany('templates', r.templates.map((tp) => ({ ...tp, key: tp.id + '@' + tp.version })));
    if (r.stores?.length) await db.putMany('stores', r.stores);
    if (r.submissions?.length) await db.putMany('server_subs', r.submissions);
    if (r.names) setNames(r.names);
    if (r.due) await db.kvSet('due', r.due); // 巡检计划
    pulled += ['workorders', 'removed', 'templates', 'stores', 'submissions'].reduce((n, k) => n + (r[k]?.length || 0), 0);
    cursor = r.cursor ?? cursor;
    await db.kvSet('cursor', cursor);
    if (!r.more) break;
  }
  await db.kvSet('last_sync', new Date().toISOString());
}

const FIELD_ROLES = ['technician', 'inspector'];
let running = null;
let again = false;
// syncNow runs one full round; calls while one runs fold into one more round.
export function syncNow(reason = '') {
  if (running) { again = true; return running; }
  running = (async () => {
    do {
      again = false;
      await round(reason);
    } while (again);
  })().finally(() => { running = null; });
  return running;
}

async function round(reason) {
  // Whether the server answers is worth knowing before anyone logs in (the
  // login page's badge), so it is asked first.
  const up = await checkOnline();
  const s = currentSession();
  if (!s || s.expired) { emit('sync', { state: 'idle', reason }); return; }
  if (!up) { emit('sync', { state: 'offline', reason }); return; }
  // Only field roles have an outbox and a pull (API.md: who may call what);
  // agents and supervisors work online against their own endpoints.
  if (!FIELD_ROLES.includes(s.user?.role)) { emit('sync', { state: 'idle', reason }); return; }
  emit('sync', { state: 'running', reason });
  try {
    const device = await db.deviceId();
    await push(device);
    pushed += await requests.send();
    await completeMissing();
    await pull();
    // changed: the round brought or sent something, so lists drawn from
    // IndexedDB may be out of date (a round with nothing new redraws nothing).
    emit('sync', { state: 'done', reason, at: new Date().toISOString(), changed: pulled + pushed > 0 });
  } catch (e) {
    emit('sync', { state: 'error', reason, error: e, expired: e instanceof ApiError && e.status === 401 });
  } finally {
    await refreshCounter();
  }
}

let timer = null;
// start wires every trigger: app start, the browser's online event, coming
// back to the foreground, a timer, and Background Sync where it exists.
export function start() {
  // Whether the server answers is shown at once; the first round runs at
  // once when something waits to be sent, else a few seconds after the
  // first screen (drawn from IndexedDB) so it does not compete with it.
  checkOnline();
  refreshCounter().then((n) => setTimeout(() => syncNow('start'), n ? 0 : 4000), () => syncNow('start'));
  addEventListener('online', () => syncNow('online'));
  // A dropped link shows at once: the browser's offline event is checked
  // against the server straight away (not at the next sync round).
  addEventListener('offline', () => checkOnline());
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') syncNow('visible'); });
  let last = 0;
  timer = setInterval(async () => {
    const n = await refreshCounter();
    // Pending work is retried every 15 s; otherwise pull every 5 minutes.
    if (n > 0 || Date.now() - last > 300000) { last = Date.now(); syncNow('timer'); } else if (!running && document.visibilityState === 'visible') checkOnline();
  }, 15000);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data && e.data.type === 'sync') {
        syncNow('background').then(() => e.ports[0]?.postMessage('done'), () => e.ports[0]?.postMessage('failed'));
      }
    });
  }
}
export function stop() { clearInterval(timer); }

export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    if (reg && reg.sync) await reg.sync.register('fieldcheck-outbox');
  } catch { /* not supported or not allowed: the timer and online event still run */ }
}

function b64(buf) {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// exportOutbox downloads every unsent record (drafts too) with its photos as
// base64, for support: the way out when a phone can never reach the server.
export async function exportOutbox() {
  const sheets = await unsent();
  const photos = {};
  for (const sh of sheets) {
    const tpl = await templateFor(sh);
    for (const sha of referencedPhotos(tpl, sh)) {
      const p = await db.get('photos', sha);
      if (p) photos[sha] = { type: p.type, meta: sh.photo_meta?.[sha] || null, base64: b64(p.bytes) };
    }
  }
  // The single requests waiting (outbox.js) and their photos.
  const other = await requests.entries();
  for (const sha of other.map((a) => a.photo).filter(Boolean)) {
    const p = await db.get('photos', sha);
    if (p && !photos[sha]) photos[sha] = { type: p.type, meta: null, base64: b64(p.bytes) };
  }
  const s = currentSession();
  const doc = {
    exported_at: new Date().toISOString(), device_id: await db.deviceId(), user: s?.user || null,
    submissions: sheets.map((sh) => ({ state: sh.state, rejection: sh.rejection, conflict: sh.conflict, submission: toSubmission(sh, null) })),
    other, photos,
  };
  const blob = new Blob([JSON.stringify(doc, null, 1)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `fieldcheck-outbox-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  return sheets.length + other.length;
}
