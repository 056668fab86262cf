// orders-common.js — words and pickers the work-order screens share
// (orders.js, orders-import.js): the order types, states and tiers in zh/en,
// the technicians a caller may assign, the units they may filter by.
import { h, L, call, nameOf, isAdmin, me } from './kit.js';
import { shLocal, shISO } from '../js/shtime.js';

export const TYPES = [
  ['install', '装机', 'Install'], ['move', '移机', 'Move'], ['repair', '修障', 'Repair'],
  ['removal', '拆机', 'Removal'], ['complaint', '投诉', 'Complaint'],
];
export const STATES = [
  ['assigned', '待施工', 'Assigned'], ['completed', '已竣工', 'Completed'], ['cancelled', '已撤销', 'Cancelled'],
];
export const TIERS = [['standard', '普通客户', 'Standard'], ['high_value', '高价值客户', 'High value'], ['vip', '重要客户', 'VIP']];

const word = (list, v) => { const w = list.find((x) => x[0] === v); return w ? L(w[1], w[2]) : (v || '—'); };
export const typeText = (v) => word(TYPES, v);
export const stateText = (v) => word(STATES, v);
export const tierText = (v) => word(TIERS, v);
export const opts = (list, any) => [...(any ? [['', any]] : []), ...list.map(([v, zh, en]) => [v, L(zh, en)])];

export const statePill = (s) => h('span', { class: 'pill wo-' + s + (s === 'cancelled' ? ' bad' : s === 'completed' ? ' ok' : ''), 'data-status': s }, stateText(s));

// personText names a user by their display name, never their username (a
// name the server does not know yet falls back to names.js's muted code).
export const personText = (u) => (typeof u === 'string' ? nameOf('person', u) : u.name || nameOf('person', u.username));

// technicians: the enabled technicians the caller may assign (a supervisor's
// list is their unit's: GET /users is scoped by the server).
let techP = null;
export function technicians() {
  techP ??= (async () => {
    const out = [];
    let after = '';
    for (let i = 0; i < 10; i++) {
      const r = await call('GET', '/users?limit=1000&role=technician' + (after ? '&after=' + encodeURIComponent(after) : ''));
      out.push(...(r.items || []).filter((u) => u.role === 'technician' && !u.disabled));
      if (!r.next) break;
      after = r.next;
    }
    return out.sort((a, b) => personText(a).localeCompare(personText(b), 'zh'));
  })().catch((e) => { techP = null; throw e; });
  return techP;
}

// techOptions: [[username, "name（unit）"]] for a <select>.
export async function techOptions(any) {
  const list = await technicians();
  return [...(any ? [['', any]] : []), ...list.map((u) => [u.username, personText(u) + (u.unit ? '（' + nameOf('unit', u.unit) + '）' : '')])];
}

// unitOptions: the admin's every named unit; a supervisor has only theirs.
let unitsP = null;
export async function unitOptions(any) {
  if (!isAdmin()) return [[me().unit || '', nameOf('unit', me().unit)]];
  unitsP ??= call('GET', '/names').then((n) => Object.keys(n.units || {})).catch((e) => { unitsP = null; throw e; });
  const codes = await unitsP;
  return [...(any ? [['', any]] : []), ...codes.map((c) => [c, nameOf('unit', c)]).sort((a, b) => a[1].localeCompare(b[1], 'zh'))];
}

// Asia/Shanghai wall time for <input type=datetime-local> and back.
export function toLocalInput(iso) {
  if (!iso || iso.startsWith('0001') || isNaN(Date.parse(iso))) return '';
  return shLocal(iso);
}
export const fromLocalInput = shISO;

// windowText: "12-04 09:00–11:00" in Asia/Shanghai.
export function windowText(w) {
  if (!w?.from || w.from.startsWith('0001')) return '—';
  const f = toLocalInput(w.from), t = toLocalInput(w.to);
  return f.slice(5, 10) + ' ' + f.slice(11) + (t ? '–' + (t.slice(0, 10) === f.slice(0, 10) ? t.slice(11) : t.slice(5, 10) + ' ' + t.slice(11)) : '');
}
