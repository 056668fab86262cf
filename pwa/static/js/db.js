// IndexedDB, the phone's only durable store. iOS closes connections under
// memory pressure and Safari may evict everything after 7 days unused, so:
// every operation opens lazily and retries once on a closed connection, and
// the app asks for persistent storage and shows whether it got it.
const NAME = 'fieldcheck';
const VERSION = 2; // 2: stores (an inspector's outlets)
// kv: session, device_id, cursor, last_sync; orders: work orders by id;
// templates: by key "id@version"; server_subs: {id, subject, version};
// sheets: the local sheets (drafts and the outbox); photos: sha → bytes;
// stores: the outlets an inspector walks.
const STORES = { kv: null, orders: 'id', templates: 'key', server_subs: 'id', sheets: 'id', photos: 'sha', stores: 'id' };

let dbp = null;

function open() {
  if (dbp) return dbp;
  dbp = new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const [name, keyPath] of Object.entries(STORES)) {
        if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, keyPath ? { keyPath } : undefined);
      }
    };
    req.onsuccess = () => {
      const db = req.result;
      // The browser may close us (iOS memory pressure) or another tab may
      // upgrade: forget the handle so the next call reopens.
      db.onclose = () => { dbp = null; };
      db.onversionchange = () => { db.close(); dbp = null; };
      resolve(db);
    };
    req.onerror = () => { dbp = null; reject(req.error); };
    req.onblocked = () => { /* another tab holds an old version; wait */ };
  });
  return dbp;
}

function isClosed(err) {
  return err && (err.name === 'InvalidStateError' || err.name === 'TransactionInactiveError' || /clos/i.test(err.message || ''));
}

// run executes fn(stores) inside one transaction and resolves when it commits.
async function run(names, mode, fn, retry = true) {
  try {
    const db = await open();
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(names, mode);
      const stores = {};
      for (const n of [].concat(names)) stores[n] = tx.objectStore(n);
      let result;
      Promise.resolve(fn(stores, tx)).then((r) => { result = r; }, (e) => { try { tx.abort(); } catch { /* */ } reject(e); });
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
    });
  } catch (e) {
    if (retry && isClosed(e)) { dbp = null; return run(names, mode, fn, false); }
    throw e;
  }
}

const req2p = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });

export const get = (store, key) => run(store, 'readonly', (s) => req2p(s[store].get(key)));
export const all = (store) => run(store, 'readonly', (s) => req2p(s[store].getAll()));
export const put = (store, value, key) => run(store, 'readwrite', (s) => { s[store].put(value, key); });
export const del = (store, key) => run(store, 'readwrite', (s) => { s[store].delete(key); });
export const putMany = (store, values) => run(store, 'readwrite', (s) => { for (const v of values) s[store].put(v); });
export const delMany = (store, keys) => run(store, 'readwrite', (s) => { for (const k of keys) s[store].delete(k); });
export const kvGet = (key) => get('kv', key);
export const kvSet = (key, value) => put('kv', value, key);
export { run as tx };

// wipe deletes the whole database (logout with nothing unsent).
export async function wipe() {
  const db = await open().catch(() => null);
  if (db) db.close();
  dbp = null;
  await new Promise((res) => { const r = indexedDB.deleteDatabase(NAME); r.onsuccess = r.onerror = r.onblocked = () => res(); });
}

export async function deviceId() {
  let id = await kvGet('device_id');
  if (!id) { id = uuid(); await kvSet('device_id', id); }
  return id;
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
