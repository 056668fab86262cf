// The technician's screens (装维人员, registered with roles.js): today's
// orders, an order's acceptance sheet filled in offline and sent through
// the outbox, and the printable customer copy. Everything a screen shows
// comes from IndexedDB, so it renders the same with or without signal.
import * as db from './db.js';
import { h } from './dom.js';
import { t, tx, fmtTime } from './i18n.js';
import { onScreen } from './bus.js';
import { api } from './api.js';
import * as sync from './sync.js';
import { items, sigSha } from './rules.js';
import { renderChecklist } from './checklist.js';
import { hiddenItems } from './conds.js';
import { objectURL } from './photo.js';
import { register, sheetPathOf } from './roles.js';
import { nameEl } from './names.js';
import { shDay, byTime, at } from './shtime.js';
import { visitPanel, unreachablePill } from './tech-visit.js'; // 预约登记, 联系不上客户 (issue 22)
import { main, navigate, render, setLeaving, setEditing } from './nav.js';
import { stateLabel, shownState, fmtAnswer, submitSheet } from './sheet-ui.js';

const dayOf = (iso) => (iso ? shDay(iso) : ''); // the Beijing day

async function sheetsByOrder() {
  const m = new Map();
  for (const s of await db.all('sheets')) {
    const k = s.subject?.workorder_id;
    if (k && (!m.has(k) || at(m.get(k).updated_at) < at(s.updated_at))) m.set(k, s);
  }
  return m;
}

async function viewOrders() {
  // Listen before reading: a sync round that ends while the list is being
  // drawn (the first one after sign-in brings the orders) redraws it.
  const again = () => { off(); off2(); if (document.body.dataset.view === 'viewOrders') render(); };
  const off = onScreen('sheet', again);
  const off2 = onScreen('sync', (s) => { if (s.state === 'done' && s.changed !== false) again(); });
  const orders = await db.all('orders');
  const sheets = await sheetsByOrder();
  const today = dayOf(new Date().toISOString());
  orders.sort(byTime((o) => o.appointment?.from)); // instants: +08:00 and Z both come
  const open = orders.filter((o) => o.status !== 'completed' && o.status !== 'cancelled');
  const todays = open.filter((o) => dayOf(o.appointment?.from) === today);
  const others = open.filter((o) => dayOf(o.appointment?.from) !== today);
  // Today's finished jobs are listed; a month of earlier ones waits behind
  // a tap (drawn only when opened: a cheap phone need not lay out 300 cards).
  const finished = orders.filter((o) => o.status === 'completed')
    .sort(byTime((o) => o.completed_at, -1));
  const done = finished.filter((o) => dayOf(o.completed_at || o.appointment?.from) === today);
  const earlier = finished.filter((o) => !done.includes(o));
  // Sheets whose order left this phone (reassigned) stay listed: never hide a record.
  const orphans = [...sheets.values()].filter((s) => !orders.some((o) => o.id === s.subject.workorder_id));
  main.append(h('h2', null, t('orders')));
  main.append(todays.length ? h('div', { class: 'cards' }, todays.map((o) => orderCard(o, sheets.get(o.id)))) : h('p', { class: 'muted' }, t('no_orders')));
  if (others.length) main.append(h('h2', null, t('other_orders')), h('div', { class: 'cards' }, others.map((o) => orderCard(o, sheets.get(o.id)))));
  if (orphans.length) main.append(h('h2', null, t('st_removed')), h('div', { class: 'cards' }, orphans.map((s) => orderCard(s.order || { id: s.subject.workorder_id, customer: {} }, s))));
  if (done.length) main.append(h('h2', null, t('done_orders')), h('div', { class: 'cards' }, done.map((o) => orderCard(o, sheets.get(o.id)))));
  if (earlier.length) {
    const list = h('div', { class: 'cards' });
    const more = h('details', { class: 'earlier', id: 'earlier' }, h('summary', null, t('earlier_done', { n: earlier.length })), list);
    more.addEventListener('toggle', () => { if (more.open && !list.firstChild) list.append(...earlier.map((o) => orderCard(o, sheets.get(o.id)))); });
    main.append(more);
  }
}

function mapLink(addr) { return 'https://uri.amap.com/search?keyword=' + encodeURIComponent(addr || ''); }

// orderCard: an order as a card; full (on the sheet) adds the phone number
// and drops the open button. Exported for the technician's other modules.
export function orderCard(o, sheet, full = false) {
  const c = o.customer || {};
  const ap = o.appointment || {};
  return h('article', { class: 'card order', 'data-order': o.id },
    h('div', { class: 'row between' },
      h('a', { href: '/orders/' + encodeURIComponent(o.id), 'data-link': '', class: 'ono' }, o.id),
      h('span', { class: 'pill' }, t('type_' + o.type)), c.tier ? h('span', { class: 'pill tier-' + c.tier }, t('tier_' + c.tier)) : null, stateLabel(sheet)),
    h('div', { class: 'cust' }, c.name || ''),
    c.address ? h('div', { class: 'addr' }, c.address, ' ', h('a', { href: mapLink(c.address), target: '_blank', rel: 'noopener', class: 'maplink' }, t('map'))) : null,
    h('div', { class: 'meta' },
      ap.from ? h('span', null, t('appointment') + ' ', fmtTime(ap.from), ap.to ? '–' + fmtTime(ap.to, false) : '') : null,
      o.subscribed_mbps ? h('span', null, t('speed') + ' ', String(o.subscribed_mbps), ' Mbps') : null,
      o.product ? h('span', { class: 'product' }, nameEl('product', o.product)) : null, slaEl(o)),
    h('div', { class: 'row' },
      c.phone ? h('a', { class: 'btn', href: 'tel:' + c.phone }, t('call'), full ? ' ' + c.phone : '') : null,
      full ? null : h('a', { class: 'btn primary', href: '/orders/' + encodeURIComponent(o.id), 'data-link': '' }, openLabel(o, sheet))),
    full ? visitPanel(o) : unreachablePill(o));
}

// slaEl: the time left on the order's limit (sla/), paused while on hold.
function slaEl(o) {
  if (!o.sla || o.status === 'completed' || o.status === 'cancelled') return null;
  if (o.status === 'on_hold') return h('span', { class: 'pill sla' }, t('sla_paused'));
  const m = Math.round((Date.parse(o.sla.due_at) - Date.now()) / 6e4), a = Math.abs(m);
  const v = a >= 2880 ? Math.floor(a / 1440) + t('u_d') : a >= 60 ? Math.floor(a / 60) + t('u_h') : a + t('u_m');
  return h('span', { class: 'pill sla' + (m < 0 ? ' late' : '') }, t(m < 0 ? 'sla_over' : 'sla_left', { v }));
}

// openLabel: what the card's button does — a finished order's sheet was
// sent (from this phone or another), so it is looked at, not filled in.
function openLabel(o, sheet) {
  if (sheet) return sheet.state === 'draft' ? t('continue_sheet') : t('view_sheet');
  return o.status === 'completed' ? t('view_sheet') : t('open_sheet');
}

async function pickTemplate(order) {
  const tpls = (await db.all('templates')).filter((x) => x.kind === 'acceptance');
  const latest = new Map();
  for (const x of tpls) if (!latest.has(x.id) || latest.get(x.id).version < x.version) latest.set(x.id, x);
  return latest.get(order.type + '_acceptance') || latest.get('install_acceptance') || [...latest.values()][0] || null;
}

// viewOrder opens (or creates) the order's sheet.
async function viewOrder(id) {
  const order = await db.get('orders', id);
  const sheets = await sheetsByOrder();
  let sheet = sheets.get(id);
  if (sheet) return navigate('/sheet/' + encodeURIComponent(sheet.id), true);
  if (!order) { main.append(h('p', null, t('not_found'))); return; }
  const srv = (await db.all('server_subs')).find((x) => x.subject?.workorder_id === id);
  if (srv) {
    // Sent from another phone: fetch it so an edit carries the right base_version.
    try {
      const copy = await api('GET', '/submissions/' + encodeURIComponent(srv.id));
      sheet = { ...copy, base_version: copy.version, server_version: copy.version, state: 'sent', order, photo_meta: copy.photo_meta || {} };
      await sync.saveSheet(sheet);
      return navigate('/sheet/' + encodeURIComponent(sheet.id), true);
    } catch { main.append(orderCard(order, null, true), h('p', { class: 'warnbox' }, t('st_sent') + ' · ' + t('need_network'))); return; }
  }
  const tpl = await pickTemplate(order);
  if (!tpl) { main.append(orderCard(order, null, true), h('p', { class: 'warnbox' }, t('no_template'))); return; }
  // A new sheet is drawn but not kept: it becomes a draft (and gets its own
  // address) once something is entered, so merely opening an order leaves
  // nothing behind.
  sheet = {
    id: db.uuid(), template_id: tpl.id, template_version: tpl.version, subject: { workorder_id: id },
    base_version: 0, started_at: new Date().toISOString(), answers: {}, photos: {}, photo_meta: {}, state: 'draft', order,
  };
  return drawSheet(sheet, true);
}

// ---------- the sheet ----------
async function viewSheet(id) {
  const sheet = await db.get('sheets', id);
  if (!sheet) { main.append(h('p', null, t('not_found'))); return; }
  const own = sheetPathOf(sheet);
  if (own !== '/sheet/' + encodeURIComponent(id)) return navigate(own, true);
  return drawSheet(sheet, false);
}

// signatureShas: the hashes of the sheet's answered signature items.
function signatureShas(tpl, sheet) {
  return items(tpl).filter((it) => it.type === 'signature').map((it) => sigSha(sheet.answers?.[it.id])).filter(Boolean);
}

async function drawSheet(sheet, fresh) {
  const id = sheet.id;
  const tpl = await sync.templateFor(sheet);
  const order = (await db.get('orders', sheet.subject.workorder_id)) || sheet.order || { id: sheet.subject.workorder_id, customer: {} };
  if (!tpl) { main.append(h('p', { class: 'warnbox' }, t('no_template'))); return; }
  const editable = ['draft', 'rejected'].includes(sheet.state);
  setEditing(editable);
  main.append(h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, '← ' + t('back')), fresh ? null : stateLabel(sheet)));
  main.append(orderCard(order, null, true));
  if (sheet.order_removed) main.append(h('p', { class: 'warnbox' }, t('st_removed')));
  main.append(h('h2', null, tx(tpl.title)));

  if (sheet.state === 'rejected' && sheet.rejection) {
    const f = sheet.rejection.fields || {};
    main.append(h('div', { class: 'warnbox', id: 'rejection' }, h('b', null, t('server_reasons') + ': '), sheet.rejection.message || sheet.rejection.code,
      Object.keys(f).length ? h('ul', null, Object.entries(f).map(([k, v]) => h('li', null, labelFor(tpl, k) + ': ' + v))) : null));
  }
  if (sheet.state === 'conflict') main.append(conflictBox(sheet, tpl));
  if (sheet.state === 'sent' && sheet.last_result?.version) main.append(h('p', { class: 'okbox' }, t('st_sent') + ' · ' + t('version') + ' ' + sheet.last_result.version + (sheet.sent_at ? ' · ' + t('sent_at', { t: fmtTime(sheet.sent_at) }) : '')));

  // Changed after the customer signed: the old signature would stay on a
  // changed sheet (the server flags it). Say so, and let the customer sign anew.
  const signedBefore = sheet.signed_before_edit || [];
  const resignBox = editable && signedBefore.length && signatureShas(tpl, sheet).some((x) => signedBefore.includes(x))
    ? h('div', { class: 'warnbox', id: 'resign', role: 'alert' }, h('p', null, t('signed_then_edited')),
      h('button', { type: 'button', class: 'btn primary', onclick: async () => {
        for (const it of items(tpl)) if (it.type === 'signature') delete sheet.answers[it.id];
        await save();
        await render();
        document.querySelector('.item[data-type="signature"]')?.scrollIntoView({ block: 'center' });
      } }, t('resign_now')))
    : null;
  if (resignBox) main.append(resignBox);

  const holder = h('div', { class: 'checklist' });
  main.append(holder);
  let timer = null;
  // save keeps the sheet; a fresh one becomes a draft here and gets its address.
  const save = async () => {
    await sync.saveSheet(sheet);
    if (fresh) { fresh = false; if (location.pathname === '/orders/' + encodeURIComponent(sheet.subject.workorder_id)) history.replaceState(null, '', '/sheet/' + encodeURIComponent(id)); }
  };
  const flush = async () => { if (timer) { clearTimeout(timer); timer = null; await save(); } };
  setLeaving(flush);
  const view = renderChecklist(holder, {
    template: tpl, sheet, order, readOnly: !editable,
    serverFields: sheet.state === 'rejected' ? sheet.rejection?.fields : null,
    onChange: () => { clearTimeout(timer); timer = setTimeout(() => { timer = null; save(); }, 250); },
  });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); }, { once: true });

  const actions = h('div', { class: 'actions' });
  if (editable) {
    actions.append(h('button', { class: 'btn primary big', id: 'submit', onclick: async () => {
      if (await submitSheet(sheet, tpl, view, holder, () => { clearTimeout(timer); timer = null; })) render();
    } }, sheet.state === 'rejected' ? t('resend') : t('submit')));
  } else if (sheet.state === 'sent' || sheet.state === 'queued') {
    actions.append(h('button', { class: 'btn', onclick: async () => {
      // An edit becomes a new version on top of what the server holds; the
      // signatures it had are remembered so the screen can warn about them.
      sheet.state = 'draft';
      sheet.signed_before_edit = signatureShas(tpl, sheet);
      await sync.saveSheet(sheet);
      render();
    } }, t('edit')));
  }
  if (!fresh) actions.append(h('a', { class: 'btn', href: '/print/' + encodeURIComponent(sheet.id), 'data-link': '' }, t('print')));
  if (sheet.state !== 'sent') actions.append(discardButton(sheet));
  main.append(actions);
  if (!editable) {
    // A sheet waiting in the outbox changes under our eyes (sent, rejected,
    // conflict): show the new state. Drafts are never redrawn while typing.
    const off = onScreen('sheet', (s) => {
      if (location.pathname !== '/sheet/' + encodeURIComponent(id)) { off(); return; }
      if (s.id === id && shownState(s) !== shownState(sheet)) { off(); render(); }
    });
  }
}
function labelFor(tpl, path) {
  const id = path.replace(/^(answers|photos)\./, '');
  const it = items(tpl).find((x) => x.id === id);
  return it ? tx(it.label) : path;
}

function discardButton(sheet) {
  return h('button', { class: 'btn danger', onclick: async () => {
    if (!confirm(t('discard_confirm'))) return;
    await db.del('sheets', sheet.id);
    await sync.refreshCounter();
    navigate('/', true);
  } }, t('discard'));
}

function conflictBox(sheet, tpl) {
  const c = sheet.server_copy;
  return h('div', { class: 'warnbox', id: 'conflict' },
    h('p', null, h('b', null, t('st_conflict') + ': '), sheet.conflict?.message || sheet.conflict?.code || ''),
    h('p', null, t('conflict_help')),
    c ? h('div', null, h('b', null, t('server_version') + ' ' + (c.version ?? '')), ' · ', fmtTime(c.finished_at),
      h('ul', null, items(tpl).filter((it) => c.answers && it.id in c.answers).map((it) => h('li', null, tx(it.label) + ': ' + fmtAnswer(it, c.answers[it.id]))))) : null,
    h('div', { class: 'row' },
      c ? h('button', { class: 'btn primary', onclick: async () => {
        sheet.base_version = c.version; sheet.state = 'queued';
        delete sheet.conflict; delete sheet.server_copy;
        await sync.saveSheet(sheet); sync.syncNow('rebase'); render();
      } }, t('rebase')) : null,
      h('button', { class: 'btn', onclick: async () => {
        if (!confirm(t('discard_confirm'))) return;
        await db.del('sheets', sheet.id); await sync.refreshCounter(); navigate('/', true);
      } }, t('use_server'))));
}
// ---------- printable customer copy ----------
async function viewPrint(id) {
  const sheet = await db.get('sheets', id);
  if (!sheet) { main.append(h('p', null, t('not_found'))); return; }
  const tpl = await sync.templateFor(sheet);
  const o = (await db.get('orders', sheet.subject.workorder_id)) || sheet.order || { customer: {} };
  const c = o.customer || {};
  const doc = h('div', { class: 'print' },
    h('div', { class: 'noprint row' }, h('a', { href: '/sheet/' + encodeURIComponent(id), 'data-link': '', class: 'btn small' }, '← ' + t('back')),
      h('button', { class: 'btn primary', onclick: () => print() }, t('print'))),
    h('h1', null, t('sheet_title'), ' · ', t('customer_copy')),
    h('table', { class: 'kv' }, h('tbody', null,
      tr(t('order_no'), o.id || sheet.subject.workorder_id), tr(t('customer'), c.name), tr(t('address'), c.address),
      tr(t('appointment'), o.appointment ? fmtTime(o.appointment.from) + '–' + fmtTime(o.appointment.to, false) : ''),
      tr(t('speed'), o.subscribed_mbps ? o.subscribed_mbps + ' Mbps' : ''), tr(t('started'), fmtTime(sheet.started_at)),
      tr(t('finished'), fmtTime(sheet.finished_at)), tr(t('version'), sheet.server_version || '—'))));
  const sig = [];
  if (tpl) {
    const hidden = hiddenItems(tpl, sheet, sheet.order_facts); // what did not apply is not printed
    for (const sec of tpl.sections || []) {
      const rows = [];
      for (const it of sec.items || []) {
        if (hidden.has(it.id)) continue;
        if (it.type === 'signature') { if (sigSha(sheet.answers?.[it.id])) sig.push(sigSha(sheet.answers[it.id])); continue; }
        if (it.type === 'photo') {
          const list = sheet.photos?.[it.id] || [];
          const cell = h('td', null, list.map((sha) => { const img = h('img', { class: 'pthumb', alt: '' }); objectURL(sha).then((u) => u && (img.src = u)); return img; }));
          rows.push(h('tr', null, h('th', null, tx(it.label)), cell));
        } else rows.push(tr(tx(it.label), fmtAnswer(it, sheet.answers?.[it.id])));
      }
      if (rows.length) doc.append(h('h2', null, tx(sec.title)), h('table', { class: 'kv' }, h('tbody', null, rows)));
    }
  }
  const sigBox = h('div', { class: 'sigbox' }, h('div', null, t('signature')));
  for (const sha of sig) { const img = h('img', { class: 'sigimg', alt: t('signed') }); objectURL(sha).then((u) => u && (img.src = u)); sigBox.append(img); }
  doc.append(sigBox);
  main.append(doc);
}
const tr = (k, v) => h('tr', null, h('th', null, k), h('td', null, v == null ? '' : String(v)));
register({
  roles: ['technician'],
  home: viewOrders,
  routes: [
    [/^\/orders\/([^/]+)$/, viewOrder],
    [/^\/sheet\/([^/]+)$/, viewSheet],
    [/^\/print\/([^/]+)$/, viewPrint],
  ],
});
