// Display names for the codes the server uses (units, products, roles,
// people): a screen never shows `chengdu-east`, `broadband+iptv`,
// `technician` or `tech.li` when a name is known. The server holds the names
// (GET /api/v1/names, and `names` in every sync/pull page, so an offline
// phone has them); they are kept in localStorage so a render can read them
// synchronously. A code with no name yet shows as the code in a muted style,
// never blank.
//
// Shape (API): {units: {code: {zh, en}}, products: {...}, roles: {...},
//               people: {username: {zh, en}}}
import { h } from './dom.js';
import { getLang } from './i18n.js';
import { api } from './api.js';

const KEY = 'fc.names';
const KINDS = { unit: 'units', product: 'products', role: 'roles', person: 'people' };

let names = load();

function load() {
  try { return JSON.parse(localStorage.getItem(KEY) || '{}') || {}; } catch { return {}; }
}

// setNames merges a names object (from pull or GET /names) and keeps it.
export function setNames(obj) {
  if (!obj || typeof obj !== 'object') return;
  const next = { ...names };
  for (const group of Object.values(KINDS)) {
    if (obj[group] && typeof obj[group] === 'object') next[group] = { ...(next[group] || {}), ...obj[group] };
  }
  names = next;
  try { localStorage.setItem(KEY, JSON.stringify(names)); } catch { /* quota: keep in memory */ }
}

// refreshNames asks the server (online screens call it once after login).
export async function refreshNames() {
  try { setNames(await api('GET', '/names')); } catch { /* offline: keep what we have */ }
}

// forgetNames drops the cache (logout).
export function forgetNames() {
  names = {};
  try { localStorage.removeItem(KEY); } catch { /* */ }
}

function lookup(kind, code) {
  const group = names[KINDS[kind]] || {};
  const n = group[code];
  if (!n) return '';
  if (typeof n === 'string') return n;
  return (getLang() === 'en' ? n.en || n.zh : n.zh || n.en) || '';
}

// hasName says whether kind/code has a display name.
export function hasName(kind, code) { return !!lookup(kind, code); }

// nameOf is the text to show for kind/code: its name, else the code itself.
export function nameOf(kind, code) {
  if (code == null || code === '') return '';
  return lookup(kind, code) || String(code);
}

// nameEl is a span for kind/code: the name, or the code muted (class
// "code-unnamed") when no name is known yet.
export function nameEl(kind, code) {
  const n = lookup(kind, code);
  if (n) return h('span', { class: 'name' }, n);
  return h('span', { class: 'code-unnamed', title: String(code ?? '') }, String(code ?? ''));
}
