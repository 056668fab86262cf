// Rectifications (整改) on a screen: the open ones by unit with their due
// date and age (overdue ones stand out), the resolved ones, and one
// rectification opened — what found the problem, and either the form that
// resolves it (a note of the measures taken and photos) or who resolved it,
// when, with what. Built as views that render into a container, so the
// operator's console can mount the same screens (rectListView, rectView);
// supervisor.js routes /rect and /rect/:id to them.
//
// Who may resolve is the server's rule (API.md v1.1: inspectors and
// supervisors their unit's, admins all, never a technician); the form is only
// offered to those roles, and a refusal is shown as the server words it.
import { h, clear } from './dom.js';
import { addStrings, t, fmtTime } from './i18n.js';
import { api, currentSession, ApiError, NetError } from './api.js';
import { processPhoto, objectURL } from './photo.js';
import * as db from './db.js';
import { nameOf, nameEl } from './names.js';
import { photo, shDay, storeNames } from './sup-common.js';
import { byTime } from './shtime.js';

addStrings({
  rx_title: '整改单', rx_open: '未完成', rx_resolved: '已处理', rx_none_open: '没有未完成的整改', rx_none_resolved: '还没有已处理的整改',
  rx_due: '期限 {t}', rx_overdue: '已逾期 {n} 天', rx_overdue_today: '今天到期', rx_age: '已开 {n} 天', rx_age_0: '今天开出',
  rx_opened: '{who} 于 {t} 开出', rx_opened_sys: '{t} 开出', rx_order: '工单 {id}', rx_store: '营业厅 {n}',
  rx_tech: '装维人员', rx_reason: '问题', rx_source: '来源', rx_subject: '对象', rx_unit: '单位', rx_due_l: '整改期限',
  rx_resolve: '处理整改', rx_note: '整改措施', rx_note_help: '写清做了什么、由谁做、何时复查', rx_photos: '整改照片',
  rx_add_photo: '拍照或选择照片', rx_remove_photo: '移除', rx_submit: '提交，标记为已处理', rx_sending: '提交中…',
  rx_uploading: '正在上传照片 {i}/{n}…', rx_need_note: '请填写整改措施', rx_done: '整改已处理',
  rx_resolved_by: '{who} 于 {t} 处理', rx_no_photos: '未附照片', rx_back: '整改单', rx_not_found: '没有这份整改单，或无权查看',
  rx_cannot: '你的角色不能处理整改单（装维人员不能处理自己工作的整改）', rx_online: '整改单需要联网查看和处理。',
  rx_open_source: '查看来源记录', rx_all: '全部整改单', rx_count: '{n} 份',
}, {
  rx_title: 'Rectifications', rx_open: 'Open', rx_resolved: 'Resolved', rx_none_open: 'No open rectifications', rx_none_resolved: 'No resolved rectifications yet',
  rx_due: 'due {t}', rx_overdue: 'overdue {n} d', rx_overdue_today: 'due today', rx_age: 'open {n} d', rx_age_0: 'opened today',
  rx_opened: 'opened by {who}, {t}', rx_opened_sys: 'opened {t}', rx_order: 'Order {id}', rx_store: 'Store {n}',
  rx_tech: 'Technician', rx_reason: 'Problem', rx_source: 'Source', rx_subject: 'Subject', rx_unit: 'Unit', rx_due_l: 'Due',
  rx_resolve: 'Resolve', rx_note: 'Measures taken', rx_note_help: 'What was done, by whom, when it is checked again', rx_photos: 'Photos',
  rx_add_photo: 'Take or choose a photo', rx_remove_photo: 'Remove', rx_submit: 'Submit as resolved', rx_sending: 'Sending…',
  rx_uploading: 'Uploading photo {i}/{n}…', rx_need_note: 'Say what was done', rx_done: 'Rectification resolved',
  rx_resolved_by: 'resolved by {who}, {t}', rx_no_photos: 'No photos', rx_back: 'Rectifications', rx_not_found: 'No such rectification, or not yours to see',
  rx_cannot: 'Your role cannot resolve rectifications (a technician never resolves one for their own work)', rx_online: 'Rectifications need a connection.',
  rx_open_source: 'Open the source record', rx_all: 'All rectifications', rx_count: '{n}',
});

const enc = encodeURIComponent;
const DAY = 86400000;
const RESOLVERS = ['inspector', 'supervisor', 'admin']; // API.md "Who may call what"

// listAll pages through GET /rectifications (they are few: one per
// unsatisfied callback or failed inspection).
export async function listRects(status) {
  const out = [];
  let after = '';
  for (let i = 0; i < 20; i++) {
    const r = await api('GET', `/rectifications?limit=1000${status ? '&status=' + status : ''}${after ? '&after=' + enc(after) : ''}`);
    out.push(...(r.items || []));
    if (!r.next) break;
    after = r.next;
  }
  return out;
}

// daysBetween counts Asia/Shanghai calendar days from a to b.
const days = (a, b) => Math.round((Date.parse(shDay(b) + 'T00:00:00Z') - Date.parse(shDay(a) + 'T00:00:00Z')) / DAY);

export function rectState(r, now = new Date()) {
  const due = r.due_at ? new Date(r.due_at) : null;
  const late = r.status === 'open' && due && due < now;
  return { late, overdueDays: late ? days(due, now) : 0, age: days(new Date(r.opened_at), now) };
}

const subjectText = (r, stores) => (r.workorder_id ? t('rx_order', { id: r.workorder_id })
  : r.store_id ? t('rx_store', { n: stores[r.store_id] || '—' }) : ''); // the store's name, never its code

function rectItem(r, stores, href) {
  const st = rectState(r);
  return h('a', { class: 'card rectitem' + (st.late ? ' late' : ''), href, 'data-link': '', 'data-rect': r.id, 'data-status': r.status,
    'data-late': String(!!st.late), 'data-unit': r.unit },
  h('div', { class: 'row between' }, h('b', null, t('src_' + r.source)),
    r.status === 'open'
      ? h('span', { class: 'pill ' + (st.late ? 'bad' : ''), 'data-due': r.due_at }, st.late ? (st.overdueDays ? t('rx_overdue', { n: st.overdueDays }) : t('rx_overdue_today')) : t('rx_due', { t: fmtTime(r.due_at) }))
      : h('span', { class: 'pill ok' }, t('rx_resolved'))),
  h('div', { class: 'rxreason' }, r.reason),
  h('div', { class: 'small muted' }, subjectText(r, stores), r.technician ? ' · ' : '', r.technician ? nameEl('person', r.technician) : '',
    ' · ', r.status === 'open' ? (st.age ? t('rx_age', { n: st.age }) : t('rx_age_0'))
      : t('rx_resolved_by', { who: nameOf('person', r.resolved_by), t: fmtTime(r.resolved_at) })));
}

// rectListView draws the list into el. opts.status: 'open' | 'resolved';
// opts.href(id) is where an item opens (default /rect/:id); opts.onStatus
// is told when the tab changes.
export async function rectListView(el, opts = {}) {
  let status = opts.status || 'open';
  const href = opts.href || ((id) => '/rect/' + enc(id));
  const body = h('div', { class: 'rxbody' });
  const tabs = h('div', { class: 'seg rxtabs', role: 'radiogroup' }, ['open', 'resolved'].map((s) =>
    h('button', { type: 'button', class: 'segbtn', 'data-status': s, onclick: () => { if (status !== s) { status = s; opts.onStatus?.(s); paint(); } } }, t('rx_' + s))));
  clear(el).append(tabs, body);
  const paint = async () => {
    tabs.querySelectorAll('.segbtn').forEach((b) => { const on = b.dataset.status === status; b.classList.toggle('on', on); b.setAttribute('aria-pressed', String(on)); });
    el.dataset.status = status;
    delete el.dataset.ready;
    clear(body).append(h('p', { class: 'muted' }, t('sup_loading')));
    let list, stores;
    try { [list, stores] = await Promise.all([listRects(status), storeNames()]); } catch (e) {
      clear(body).append(h('p', { class: 'warnbox', 'data-offline': '' }, e instanceof NetError ? t('rx_online') : t('error') + ': ' + e.message));
      return;
    }
    clear(body);
    if (!list.length) body.append(h('p', { class: 'muted', id: 'rx-none' }, t(status === 'open' ? 'rx_none_open' : 'rx_none_resolved')));
    // By unit (an admin sees several); in a unit the most urgent first, or
    // the latest resolved first.
    const units = [...new Set(list.map((r) => r.unit))].sort((a, b) => nameOf('unit', a).localeCompare(nameOf('unit', b), 'zh'));
    for (const u of units) {
      // By instant: the server may write a time with +08:00 or with Z.
      const mine = list.filter((r) => r.unit === u).sort(status === 'open' ? byTime((r) => r.due_at) : byTime((r) => r.resolved_at, -1));
      const late = mine.filter((r) => rectState(r).late).length;
      body.append(h('section', { class: 'rxunit', 'data-unit': u },
        h('h3', null, nameEl('unit', u), ' ', h('span', { class: 'pill' }, t('rx_count', { n: mine.length })),
          late ? h('span', { class: 'pill bad' }, t('rc_overdue') + ' ' + late) : null),
        h('div', { class: 'cards rxlist' }, mine.map((r) => rectItem(r, stores, href(r.id))))));
    }
    el.dataset.ready = '';
  };
  await paint();
}

// sourceLink opens what found the problem: the work order, or the
// inspection submission.
function sourceLink(r) {
  const [kind, id] = (r.subject_ref || '').split('/');
  if (kind === 'submission' && id) return h('a', { href: '/sub/' + enc(id), 'data-link': '', class: 'btn small', id: 'rx-source' }, t('rx_open_source'));
  if (r.workorder_id) return h('a', { href: '/wo/' + enc(r.workorder_id), 'data-link': '', class: 'btn small', id: 'rx-source' }, t('open_wo'));
  return null;
}

// rectView draws one rectification into el, with the resolve form when it
// is open and the caller's role may resolve. onResolved(r) is told after.
export async function rectView(el, id, { onResolved } = {}) {
  clear(el).append(h('p', { class: 'muted' }, t('sup_loading')));
  let r, stores;
  try {
    const [all, s] = await Promise.all([listRects(''), storeNames()]);
    r = all.find((x) => x.id === id);
    stores = s;
  } catch (e) {
    clear(el).append(h('p', { class: 'warnbox', 'data-offline': '' }, e instanceof NetError ? t('rx_online') : t('error') + ': ' + e.message));
    return;
  }
  clear(el);
  if (!r) { el.append(h('p', { class: 'err', id: 'rx-missing' }, t('rx_not_found'))); return; }
  const st = rectState(r);
  el.dataset.rect = r.id; el.dataset.status = r.status; el.dataset.late = String(!!st.late);
  const kv = (k, v, attrs) => h('tr', attrs || null, h('th', null, k), h('td', null, v));
  el.append(h('section', { class: 'card rxinfo' + (st.late ? ' late' : '') },
    h('div', { class: 'row between' }, h('h2', null, t('src_' + r.source)),
      r.status === 'open' ? h('span', { class: 'pill ' + (st.late ? 'bad' : '') }, st.late ? (st.overdueDays ? t('rx_overdue', { n: st.overdueDays }) : t('rx_overdue_today')) : t('rx_open'))
        : h('span', { class: 'pill ok' }, t('rx_resolved'))),
    h('table', { class: 'kv' }, h('tbody', null,
      kv(t('rx_reason'), h('b', { class: 'rxreason' }, r.reason || '—')),
      kv(t('rx_subject'), subjectText(r, stores) || '—'),
      kv(t('rx_unit'), nameEl('unit', r.unit)),
      r.technician ? kv(t('rx_tech'), nameEl('person', r.technician)) : null,
      kv(t('rx_source'), r.opened_by ? t('rx_opened', { who: nameOf('person', r.opened_by), t: fmtTime(r.opened_at) }) : t('rx_opened_sys', { t: fmtTime(r.opened_at) })),
      kv(t('rx_due_l'), fmtTime(r.due_at) + (r.status === 'open' ? ' · ' + (st.age ? t('rx_age', { n: st.age }) : t('rx_age_0')) : ''), { 'data-due': r.due_at })))),
    h('div', { class: 'row' }, sourceLink(r)));
  if (r.status === 'resolved') {
    el.append(h('section', { class: 'card rxdone', id: 'rx-resolved', 'data-by': r.resolved_by, 'data-at': r.resolved_at },
      h('h3', null, t('rx_resolved')),
      h('p', { class: 'rxwho' }, t('rx_resolved_by', { who: nameOf('person', r.resolved_by), t: fmtTime(r.resolved_at) })),
      h('p', { class: 'rxnote' }, r.note),
      r.photos?.length ? h('div', { class: 'thumbs rxphotos' }, r.photos.map((sha) => photo(sha))) : h('p', { class: 'muted small' }, t('rx_no_photos'))));
    return;
  }
  if (!RESOLVERS.includes(currentSession()?.user?.role)) { el.append(h('p', { class: 'muted' }, t('rx_cannot'))); return; }
  el.append(resolveForm(r, el, onResolved));
}

function resolveForm(r, el, onResolved) {
  const shas = []; // photos picked, already stored on this device
  const noteErr = h('div', { class: 'err', 'data-err': 'note', role: 'alert' });
  const note = h('textarea', { name: 'note', id: 'rx-note', rows: 4, maxlength: 2000, 'aria-describedby': 'rx-note-help', oninput: () => { noteErr.textContent = ''; } });
  const photoErr = h('div', { class: 'err', 'data-err': 'photos', role: 'alert' });
  const msg = h('div', { class: 'err', id: 'rx-msg', role: 'alert' });
  const thumbs = h('div', { class: 'thumbs rxpicked' });
  const input = h('input', { type: 'file', accept: 'image/*', multiple: true, id: 'rx-photo', hidden: true });
  const paintThumbs = async () => {
    clear(thumbs);
    for (const sha of shas) {
      const url = await objectURL(sha);
      thumbs.append(h('figure', { class: 'phfig', 'data-sha': sha }, h('img', { class: 'sthumb', src: url, alt: '' }),
        h('button', { type: 'button', class: 'btn small', onclick: () => { shas.splice(shas.indexOf(sha), 1); paintThumbs(); } }, t('rx_remove_photo'))));
    }
  };
  input.addEventListener('change', async () => {
    photoErr.textContent = '';
    for (const f of [...input.files]) {
      try {
        const { sha } = await processPhoto(f);
        if (!shas.includes(sha)) shas.push(sha);
      } catch (e) { photoErr.textContent = e.message || String(e); }
    }
    input.value = '';
    await paintThumbs();
  });
  const submit = h('button', { type: 'submit', class: 'btn primary big', id: 'rx-submit' }, t('rx_submit'));
  const form = h('form', { class: 'card rxform', id: 'rx-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    msg.textContent = ''; noteErr.textContent = ''; photoErr.textContent = '';
    if (!note.value.trim()) { noteErr.textContent = t('rx_need_note'); note.focus(); return; }
    submit.disabled = true;
    try {
      // The photos first (content-addressed: a repeat is a no-op), then the resolution naming them.
      for (let i = 0; i < shas.length; i++) {
        submit.textContent = t('rx_uploading', { i: i + 1, n: shas.length });
        const p = await db.get('photos', shas[i]);
        if (!p.uploaded) {
          await api('PUT', '/photos/' + shas[i], { raw: p.bytes, headers: { 'Content-Type': p.type }, timeout: 120000 });
          await db.put('photos', { ...p, uploaded: true });
        }
      }
      submit.textContent = t('rx_sending');
      const done = await api('POST', `/rectifications/${enc(r.id)}/resolve`, { body: { note: note.value.trim(), photos: shas } });
      onResolved?.(done);
      await rectView(el, r.id, { onResolved });
    } catch (err) {
      const f = (err instanceof ApiError && err.fields) || {};
      for (const [k, v] of Object.entries(f)) (k === 'note' ? noteErr : photoErr).append(v + ' ');
      msg.textContent = err instanceof NetError ? t('rx_online') : err.message || String(err);
      submit.disabled = false; submit.textContent = t('rx_submit');
    }
  } },
  h('h3', null, t('rx_resolve')),
  h('label', { class: 'field' }, h('span', null, t('rx_note'), h('span', { class: 'req' }, ' *')), note,
    h('span', { class: 'small muted', id: 'rx-note-help' }, t('rx_note_help')), noteErr),
  h('div', { class: 'field' }, h('span', null, t('rx_photos')), thumbs,
    h('button', { type: 'button', class: 'btn', id: 'rx-photo-btn', onclick: () => input.click() }, t('rx_add_photo')), input, photoErr),
  msg, submit);
  return form;
}

// The routed screens (supervisor.js): /rect and /rect/:id.
export async function supRects(main) {
  const root = h('div', { class: 'sup rxview', id: 'rects-page' });
  main.append(h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, '← ' + t('sup_title'))),
    h('h2', null, t('rx_title')), root);
  let status = 'open';
  try { status = sessionStorage.getItem('fc.rx.status') || 'open'; } catch { /* private mode */ }
  await rectListView(root, { status, onStatus: (s) => { try { sessionStorage.setItem('fc.rx.status', s); } catch { /* */ } } });
}

export async function supRect(main, id) {
  const root = h('div', { class: 'sup rxdetail', id: 'rect' });
  main.append(h('div', { class: 'row' }, h('a', { href: '/rect', 'data-link': '', class: 'btn small', id: 'rx-back' }, '← ' + t('rx_back'))), root);
  await rectView(root, id);
}

