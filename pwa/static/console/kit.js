// kit.js — what every console screen shares (console.js, orders.js,
// checklists.js, rect.js). The console is online-only and desk-first; its
// files live under /console/ and are neither precached nor modulepreloaded
// (pwa/shell.go), so a field role's phone never downloads them.
//
// Exports (all plain functions; nothing runs on import except CSS loading):
//   h, clear, toast              – re-exported from ../js/dom.js
//   nameOf, nameEl               – display names (../js/names.js): never show a code
//   fmtTime                      – Asia/Shanghai time (../js/i18n.js)
//   ui                           – the router, ../js/nav.js ({main, navigate, render…})
//   L(zh, en)                    – the text in the current language (zh default)
//   both(zh, en)                 – "zh · en" for headings and nav (zh first, en alongside)
//   isEn()                       – true when the person chose English
//   call(method, path, opts)     – api() of ../js/api.js (path after /api/v1);
//                                  throws ApiError {status, code, fields, message}
//                                  or NetError (offline); see offlineBox()
//   qs(obj)                      – "a=1&b=x" from an object, skipping empty values
//   ApiError, NetError           – the error classes
//   field(name, labelText, input, hint?) – a <label class="cfield"> with the input
//                                  (input.name = name) and an error slot
//                                  <small class="ferr" data-err="name">
//   input(attrs) / select(name, options[[value,text]], value) / textarea(attrs)
//   form({ fields:[Node…], submit:'保存 Save', onSubmit: async (values, formEl) => …,
//          reload?: async () => Node|string|null, cancel?: () => void })
//                                – a <form class="cform"> whose submit runs
//                                  onSubmit through guard(): field errors land
//                                  next to their field, others in the form's
//                                  alert box, 409 shows a conflict box (what the
//                                  server holds now, from reload()) with
//                                  "重试 Retry" (runs onSubmit again) and
//                                  "放弃我的修改 Discard mine". values = FormData
//                                  as an object (checkboxes → booleans).
//   guard(formEl, fn, {reload})  – the same error handling for any action
//                                  (a button outside a form): clears old
//                                  errors, runs fn, shows what failed. Returns
//                                  fn's result, or undefined when it failed.
//   showErrors(formEl, err, {reload, retry}) – draw an ApiError into a form
//   table(cols, rows, {empty})   – cols: [{key, label (a string), render?(row)→Node|string, cls?}];
//                                  a <div class="ctable-wrap"><table class="ctable">;
//                                  below 640px each row stacks as a card, every
//                                  cell led by its column's label (td[data-label]).
//                                  The wrap's addRows(list) appends rows.
//   pager(holder, load, drawRows, {more}) – keyset paging: load(after) →
//                                  {items, next}; drawRows(items, append) adds
//                                  rows; a "加载更多 More" button while next.
//                                  Returns {reload()}.
//   download(path, fallbackName) – authed GET of a file (CSV, XLSX, backup)
//                                  saved through a blob link
//   offlineBox(err?)             – the "此页面需要联网" box (zh first)
//   errorBox(err)                – an alert with the error's message (offline aware)
//   page(main, zh, en, ...kids)  – clear main, draw an <h1> and kids; returns main
//   loading()                    – a "加载中…" paragraph
//   me()                         – the signed-in user {username, name, role, unit}
//   isAdmin()                    – me().role === 'admin'
import { h, clear, toast } from '../js/dom.js';
import { getLang, fmtTime } from '../js/i18n.js';
import { api, ApiError, NetError, currentSession, refresh } from '../js/api.js';
import { nameOf, nameEl } from '../js/names.js';
import * as ui from '../js/nav.js';

export { h, clear, toast, nameOf, nameEl, fmtTime, ui, ApiError, NetError };

// The console's own style sheet, added once (not precached either).
if (!document.getElementById('console-css')) {
  const v = new URL(import.meta.url).search; // the same ?v= as this module
  document.head.append(h('link', { rel: 'stylesheet', id: 'console-css', href: '/console/console.css' + v }));
}

export const isEn = () => getLang() === 'en';
export const L = (zh, en) => (isEn() ? en : zh);
export const both = (zh, en) => zh + ' · ' + en;
export const me = () => currentSession()?.user || {};
export const isAdmin = () => me().role === 'admin';

export const qs = (o) => Object.entries(o || {}).filter(([, v]) => v != null && v !== '')
  .map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');

export function call(method, path, opts = {}) { return api(method, path, opts); }

export function loading() { return h('p', { class: 'muted', 'data-loading': '' }, L('加载中…', 'Loading…')); }

export function page(main, zh, en, ...kids) {
  clear(main);
  main.append(h('h1', { class: 'ctitle' }, zh, h('span', { class: 'en' }, en)), ...kids);
  return main;
}

export function offlineBox() {
  return h('div', { class: 'warnbox', role: 'alert', 'data-offline': '' },
    h('b', null, '此页面需要联网'), ' · This screen needs a connection. ',
    L('控制台不在本机保存数据；联网后刷新即可。', 'The console keeps no data on this device; reload when back online.'));
}

export function errorBox(err) {
  if (err instanceof NetError) return offlineBox();
  return h('div', { class: 'err', role: 'alert' }, errText(err));
}

function errText(err) {
  if (err instanceof NetError) return L('连接不到服务器', 'Cannot reach the server');
  if (err?.status === 403) return L('没有权限', 'Not allowed') + (err.message ? '：' + err.message : '');
  return err?.message || String(err);
}

// ---------- forms ----------
export function input(attrs = {}) { return h('input', { type: 'text', ...attrs }); }
export function textarea(attrs = {}) { return h('textarea', attrs); }
export function select(name, options, value) {
  return h('select', { name }, options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, text)));
}

let fieldSeq = 0;
export function field(name, labelText, el, hint) {
  el.name = name;
  const id = el.id || (el.id = 'cf-' + (++fieldSeq));
  const err = h('small', { class: 'ferr', 'data-err': name, id: id + '-err', role: 'alert' });
  el.setAttribute('aria-describedby', id + '-err');
  return h('div', { class: 'cfield', 'data-field': name },
    h('label', { for: id }, labelText), el, hint ? h('small', { class: 'muted' }, hint) : null, err);
}

function values(formEl) {
  const out = {};
  for (const el of formEl.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; }
    else out[el.name] = el.value;
  }
  return out;
}

function clearErrors(formEl) {
  formEl.querySelectorAll('.ferr').forEach((e) => { e.textContent = ''; });
  formEl.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  formEl.querySelector(':scope > .cform-msg')?.replaceChildren();
}

function msgBox(formEl) {
  let box = formEl.querySelector(':scope > .cform-msg');
  if (!box) { box = h('div', { class: 'cform-msg' }); formEl.append(box); }
  return box;
}

// showErrors draws an ApiError into formEl: each `fields` path next to its
// field (the longest known prefix: "sections[2].items[0].type" lands on a
// field named so, else on "sections[2]", …), the rest in the message box.
export async function showErrors(formEl, err, { reload, retry } = {}) {
  const box = msgBox(formEl);
  box.replaceChildren();
  if (err instanceof NetError) { box.append(offlineBox()); return; }
  if (err?.status === 409) {
    const c = h('div', { class: 'warnbox conflict', role: 'alert', 'data-conflict': err.code || '' },
      h('p', null, h('b', null, L('已被他人修改或与现有记录冲突', 'Someone else changed this, or it conflicts')), '：', err.message || ''));
    if (reload) {
      try {
        const now = await reload();
        if (now) c.append(h('div', { class: 'now' }, h('b', null, L('服务器上现在是：', 'The server now holds:')), ' ', now));
      } catch { /* the retry still works */ }
    }
    const row = h('div', { class: 'row' });
    if (retry) row.append(h('button', { type: 'button', class: 'btn primary', 'data-retry': '', onclick: () => retry() }, L('重试', 'Retry')));
    row.append(h('button', { type: 'button', class: 'btn', onclick: () => ui.render?.() }, L('放弃我的修改，重新加载', 'Discard mine and reload')));
    c.append(row);
    box.append(c);
    return;
  }
  const fields = err?.fields || {};
  let placed = 0;
  for (const [path, why] of Object.entries(fields)) {
    const text = typeof why === 'string' ? why : (isEn() ? why?.en || why?.zh : why?.zh || why?.en) || '';
    let p = path;
    let slot = null;
    while (p) {
      slot = formEl.querySelector(`.ferr[data-err="${CSS.escape(p)}"]`);
      if (slot) break;
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut > 0 ? p.slice(0, cut) : '';
    }
    if (slot) {
      slot.textContent = slot.textContent ? slot.textContent + '；' + text : text;
      formEl.querySelector(`[name="${CSS.escape(p)}"]`)?.setAttribute('aria-invalid', 'true');
      placed++;
    } else box.append(h('div', { class: 'err', 'data-err-path': path }, path + '：' + text));
  }
  if (!placed || !Object.keys(fields).length) box.prepend(h('div', { class: 'err', role: 'alert' }, errText(err)));
  formEl.querySelector('[aria-invalid]')?.focus();
}

// guard runs fn with formEl's errors cleared and its buttons disabled, and
// draws whatever went wrong. Nothing is retried by itself: a 409 offers it.
export async function guard(formEl, fn, opts = {}) {
  clearErrors(formEl);
  const btns = [...formEl.querySelectorAll('button')];
  btns.forEach((b) => { b.disabled = true; });
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof ApiError) && !(err instanceof NetError)) throw err;
    await showErrors(formEl, err, { reload: opts.reload, retry: () => guard(formEl, fn, opts) });
    return undefined;
  } finally {
    btns.forEach((b) => { b.disabled = false; });
  }
}

export function form({ fields = [], submit = both('保存', 'Save'), onSubmit, reload, cancel, cls = '' }) {
  const f = h('form', { class: 'cform ' + cls, novalidate: true });
  f.append(...fields.filter(Boolean),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn primary' }, submit),
      cancel ? h('button', { type: 'button', class: 'btn', onclick: cancel }, L('取消', 'Cancel')) : null),
    h('div', { class: 'cform-msg' }));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    guard(f, () => onSubmit(values(f), f), { reload });
  });
  return f;
}

// ---------- tables and paging ----------
export function table(cols, rows, { empty } = {}) {
  const body = h('tbody');
  const t = h('table', { class: 'ctable' },
    h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col', class: c.cls || null }, c.label)))), body);
  const add = (list) => {
    for (const r of list) body.append(h('tr', null, cols.map((c) => h('td', { class: c.cls || null, 'data-col': c.key, 'data-label': c.label }, c.render ? c.render(r) : (r[c.key] ?? '')))));
  };
  add(rows);
  const wrap = h('div', { class: 'ctable-wrap' }, t);
  if (!rows.length && empty) wrap.append(h('p', { class: 'muted', 'data-empty': '' }, empty));
  wrap.addRows = add;
  return wrap;
}

export function pager(holder, load, drawRows, { more = both('加载更多', 'More') } = {}) {
  let next = null;
  const btn = h('button', { type: 'button', class: 'btn', 'data-more': '', hidden: true }, more);
  const msg = h('div');
  holder.append(msg, btn);
  const get = async (append) => {
    msg.replaceChildren();
    btn.disabled = true;
    try {
      const res = await load(append ? next : '');
      next = res.next || null;
      drawRows(res.items || [], append);
      btn.hidden = !next;
    } catch (err) {
      msg.append(errorBox(err));
      btn.hidden = true;
    } finally { btn.disabled = false; }
  };
  btn.addEventListener('click', () => get(true));
  return { reload: () => get(false) };
}

// ---------- files ----------
// download fetches a file with the bearer token (an <a href> cannot send
// one) and saves it under the name the server gave.
export async function download(path, fallbackName) {
  const s = currentSession();
  if (!s) throw new ApiError(401, null);
  if (Date.now() > (s.expires_at || 0) - 30000) await refresh();
  let res;
  try {
    res = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + currentSession().access_token, 'Accept-Language': isEn() ? 'en' : 'zh-CN' }, cache: 'no-store' });
  } catch (e) { throw new NetError(e?.message || 'network'); }
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, body);
  }
  const cd = res.headers.get('content-disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  const name = m ? decodeURIComponent(m[1]) : fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}
