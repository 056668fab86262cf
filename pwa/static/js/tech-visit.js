// The technician's visit record on an order (issue 22): 预约登记 (seed 004
// 第十四条: made, changed with a reason, kept, missed) and, on a repair,
// 联系不上客户 (第二十四条: attempts with the photo of the note left, then
// 申请销障 once the first attempt is 24 hours old). Entries wait on the
// phone in the outbox (outbox.js, kind 'visit') and leave with the sync
// round, each with its own key, so a retry after a lost reply records
// nothing twice.
import * as db from './db.js';
import { h, clear, toast } from './dom.js';
import { t, fmtTime, addStrings } from './i18n.js';
import { api, NetError } from './api.js';
import { onScreen, emit } from './bus.js';
import { nameOf } from './names.js';
import { processPhoto, objectURL } from './photo.js';
import * as sync from './sync.js';
import * as outbox from './outbox.js';
import { fromShLocal } from './shtime.js';

addStrings({
  ap_title: '预约登记', ap_made: '预约', ap_changed: '改约', ap_kept: '履约', ap_missed: '未履约', ap_none: '尚无预约登记',
  ap_event: '登记内容', ap_from: '预约开始', ap_to: '预约结束', ap_reason: '原因', ap_save: '登记',
  ap_need_window: '请填写预约开始和结束时间', ap_bad_window: '结束时间须晚于开始时间', ap_need_reason: '改约或未履约须填写原因',
  ap_queued: '已保存，联网后自动发送', ap_waiting: '待发送', ap_refused: '被退回', ap_drop: '放弃此条',
  ur_title: '联系不上客户', ur_none: '尚无联系记录', ur_note: '说明（如：上门无人、电话无人接听）', ur_photo: '拍留言条照片',
  ur_has_photo: '留言条照片', ur_save: '登记一次联系', ur_need_something: '请填写说明或拍留言条照片',
  ur_need_photo: '拍下所贴留言条的照片后，才可申请销障', ur_wait: '{t} 起可申请销障（首次联系满 24 小时）',
  ur_close: '申请销障', ur_close_confirm: '客户 24 小时内联系不上，且已贴留言条：申请销障？回访时将向客户确认。',
  ur_closed: '已销障（联系不上客户），待回访确认', ur_closed_pill: '联系不上·已销障', ur_close_online: '申请销障需要联网',
}, {
  ap_title: 'Appointments', ap_made: 'Made', ap_changed: 'Changed', ap_kept: 'Kept', ap_missed: 'Missed', ap_none: 'No appointment recorded yet',
  ap_event: 'What happened', ap_from: 'From', ap_to: 'To', ap_reason: 'Reason', ap_save: 'Record',
  ap_need_window: 'Enter the start and end of the appointment', ap_bad_window: 'The end must be after the start', ap_need_reason: 'A changed or missed appointment needs a reason',
  ap_queued: 'Saved; it is sent when online', ap_waiting: 'Waiting to send', ap_refused: 'Refused', ap_drop: 'Discard this entry',
  ur_title: 'Customer unreachable', ur_none: 'No attempts recorded yet', ur_note: 'Note (e.g. nobody home, no answer)', ur_photo: 'Photo of the note left',
  ur_has_photo: 'Photo of the note', ur_save: 'Record an attempt', ur_need_something: 'Enter a note or take the photo of the note left',
  ur_need_photo: 'Take the photo of the note left before asking to close', ur_wait: 'You can ask to close from {t} (24 hours after the first attempt)',
  ur_close: 'Ask to close the fault', ur_close_confirm: 'The customer could not be reached for 24 hours and a note was left: ask to close? The callback will confirm it with the customer.',
  ur_closed: 'Closed: customer unreachable; the callback confirms it', ur_closed_pill: 'Unreachable · closed', ur_close_online: 'Asking to close needs a network connection',
});

const WAIT = 24 * 3600e3;
const EVENTS = ['made', 'changed', 'kept', 'missed'];
const enc = encodeURIComponent;

// ---------- the queue (outbox.js) ----------
// An entry: kind 'visit', its order (order_id) and act ('appointments' or
// 'unreachable'); the body carries the entry's key.
const acts = () => outbox.entries('visit');
async function queue(order_id, act, body) {
  const key = db.uuid();
  await outbox.enqueue({ kind: 'visit', key, path: `/workorders/${enc(order_id)}/${act}`, body: { ...body, key },
    ...(body.photo ? { photo: body.photo } : {}), order_id, act });
  toast(t('ap_queued'));
  sync.syncNow('visit');
}
// The server answers with the order as it now is.
outbox.after('visit', async (done) => { for (const a of done) if (a.reply?.id) await db.put('orders', a.reply); });

// queuedList is the 待发送 page's part: the entries still on this phone.
export async function queuedList() {
  const list = await acts();
  if (!list.length) return '';
  const out = h('div', { class: 'cards', id: 'visit-queue' });
  for (const a of list) {
    const o = (await db.get('orders', a.order_id)) || { customer: {} };
    out.append(h('article', { class: 'card', 'data-act': a.act },
      h('div', { class: 'row between' }, h('b', null, o.customer?.name || ''), h('span', { class: 'state st-' + (a.error ? 'rejected' : 'queued') }, t(a.error ? 'ap_refused' : 'ap_waiting'))),
      h('div', null, a.act === 'appointments' ? [t('ap_title'), '：', apLine(a.body)] : [t('ur_title'), '：', a.body.note || t('ur_has_photo')]),
      a.error ? h('div', { class: 'err' }, a.error.message) : null,
      h('a', { class: 'btn', href: '/orders/' + enc(a.order_id), 'data-link': '' }, t('open'))));
  }
  return out;
}

// ---------- on the order ----------
const isOpen = (o) => o.status !== 'completed' && o.status !== 'cancelled';
const closedUnreachable = (o) => o.status === 'completed' && o.completed_by === 'unreachable';
const win = (w) => (w && w.from ? fmtTime(w.from) + '–' + fmtTime(w.to, false) : '');
// A datetime-local value is Beijing wall time, whatever zone the phone is set to.
const iso = (v) => (v ? fromShLocal(v).toISOString() : '');

// unreachablePill marks a repair closed as unreachable on the order list.
export function unreachablePill(o) {
  return closedUnreachable(o) ? h('span', { class: 'pill', 'data-unreachable-closed': '' }, t('ur_closed_pill')) : null;
}

// visitPanel is the order screen's record: it redraws its lists when the
// queue or a sync round changes them, never the forms being typed into.
export function visitPanel(o) {
  if (!o || !o.id || o.status === 'cancelled') return null;
  const el = h('section', { class: 'card visit', 'data-visit': '' });
  const apList = h('div', { class: 'aplist' }), urList = h('div', { class: 'urlist' }), closeBox = h('div', { class: 'urclose' });
  const forms = h('div', null, apForm(o));
  el.append(h('h3', null, t('ap_title')), apList);
  const repair = o.type === 'repair';
  if (repair) forms.append(h('h3', null, t('ur_title')), urList, urForm(o), closeBox);
  el.append(forms);
  const draw = async () => {
    const held = await db.get('orders', o.id), order = held || o; // not held: reassigned away
    const mine = (await acts()).filter((a) => a.order_id === o.id);
    forms.querySelectorAll('form').forEach((f) => { f.hidden = !held || !isOpen(order); });
    clear(apList).append(records(order.appointments || [], mine.filter((a) => a.act === 'appointments'), apLine, 'ap_none'));
    if (repair) {
      clear(urList).append(records(order.unreachable?.attempts || [], mine.filter((a) => a.act === 'unreachable'), urLine, 'ur_none'));
      clear(closeBox).append(closeOffer(order, mine) || '');
    }
  };
  draw();
  onScreen('outbox', draw);
  onScreen('sync', (s) => { if (s.state === 'done') draw(); });
  return el;
}

function records(done, waiting, line, none) {
  if (!done.length && !waiting.length) return h('p', { class: 'muted small' }, t(none));
  return h('ul', { class: 'records' },
    done.map((r) => h('li', { 'data-state': 'sent' }, line(r), h('span', { class: 'small muted' }, ' · ', nameOf('person', r.by), ' · ', fmtTime(r.at)))),
    waiting.map((a) => h('li', { 'data-state': a.error ? 'rejected' : 'queued' }, line(a.body),
      ' ', h('span', { class: 'state st-' + (a.error ? 'rejected' : 'queued') }, t(a.error ? 'ap_refused' : 'ap_waiting')),
      a.error ? h('div', { class: 'err small' }, a.error.message, ' ', h('button', { class: 'btn small', type: 'button', onclick: () => outbox.drop(a.id) }, t('ap_drop'))) : null)));
}

function apLine(r) {
  return h('span', null, h('b', null, t('ap_' + r.event)), r.window ? ' ' + win(r.window) : '', r.reason ? ' · ' + t('ap_reason') + '：' + r.reason : '');
}

function urLine(r) {
  const img = r.photo ? h('img', { class: 'pthumb', alt: t('ur_has_photo') }) : null;
  if (img) objectURL(r.photo).then((u) => { if (u) img.src = u; else img.replaceWith(h('span', { class: 'pill' }, t('ur_has_photo'))); });
  return h('span', null, r.note || '', img ? h('div', null, img) : null);
}

function field(label, input) { return h('label', { class: 'field' }, h('span', null, label), input); }

function apForm(o) {
  const ev = h('select', { name: 'event' }, EVENTS.map((e) => h('option', { value: e }, t('ap_' + e))));
  const from = h('input', { type: 'datetime-local', name: 'from' }), to = h('input', { type: 'datetime-local', name: 'to' });
  const reason = h('input', { name: 'reason', maxlength: 200 });
  const msg = h('div', { class: 'err', role: 'alert' });
  const times = h('div', { class: 'row' }, field(t('ap_from'), from), field(t('ap_to'), to)), why = field(t('ap_reason'), reason);
  const paint = () => { times.hidden = !['made', 'changed'].includes(ev.value); why.hidden = !['changed', 'missed'].includes(ev.value); msg.textContent = ''; };
  ev.addEventListener('change', paint);
  paint();
  return h('form', { class: 'apform', onsubmit: async (e) => {
    e.preventDefault();
    const event = ev.value, body = { event, at: new Date().toISOString() };
    if (!times.hidden && (from.value || to.value || event === 'changed')) {
      if (!from.value || !to.value) { msg.textContent = t('ap_need_window'); return; }
      if (fromShLocal(to.value) <= fromShLocal(from.value)) { msg.textContent = t('ap_bad_window'); return; }
      body.window = { from: iso(from.value), to: iso(to.value) };
    }
    if (!why.hidden) {
      if (!reason.value.trim()) { msg.textContent = t('ap_need_reason'); return; }
      body.reason = reason.value.trim();
    }
    msg.textContent = '';
    await queue(o.id, 'appointments', body);
    from.value = to.value = reason.value = '';
  } }, field(t('ap_event'), ev), times, why, h('button', { class: 'btn primary', type: 'submit' }, t('ap_save')), msg);
}

function urForm(o) {
  const note = h('input', { name: 'note', maxlength: 200 });
  const msg = h('div', { class: 'err', role: 'alert' });
  const preview = h('div');
  let photo = '';
  const cam = h('input', { type: 'file', accept: 'image/*', capture: 'environment', hidden: true, name: 'photo', onchange: async () => {
    const f = cam.files && cam.files[0];
    if (!f) return;
    msg.textContent = t('processing');
    try {
      photo = (await processPhoto(f)).sha;
      const img = h('img', { class: 'pthumb', alt: t('ur_has_photo') });
      clear(preview).append(img);
      img.src = await objectURL(photo);
      msg.textContent = '';
    } catch (err) { msg.textContent = t('error') + ': ' + err.message; }
    cam.value = '';
  } });
  return h('form', { class: 'urform', onsubmit: async (e) => {
    e.preventDefault();
    if (!note.value.trim() && !photo) { msg.textContent = t('ur_need_something'); return; }
    const body = { note: note.value.trim() };
    if (photo) body.photo = photo;
    msg.textContent = '';
    await queue(o.id, 'unreachable', body);
    note.value = ''; photo = ''; clear(preview);
  } }, field(t('ur_note'), note),
  h('div', { class: 'row' }, h('button', { class: 'btn', type: 'button', onclick: () => cam.click() }, t('ur_photo')), cam), preview,
  h('button', { class: 'btn primary', type: 'submit' }, t('ur_save')), msg);
}

// closeOffer: 申请销障 once the first attempt the server holds is 24 h old
// and a note photo is recorded; before that, when it becomes possible.
function closeOffer(o, mine) {
  if (closedUnreachable(o)) return h('p', { class: 'okbox', 'data-closed': '' }, t('ur_closed'));
  const first = o.unreachable?.attempts?.[0];
  if (!isOpen(o) || (!first && !mine.some((a) => a.act === 'unreachable'))) return null;
  if (!o.unreachable?.note_photo) return h('p', { class: 'muted small', 'data-close': 'photo' }, t('ur_need_photo'));
  const at = Date.parse(first.at) + WAIT;
  if (Date.now() < at) return h('p', { class: 'muted small', 'data-close': 'wait' }, t('ur_wait', { t: fmtTime(new Date(at).toISOString()) }));
  const msg = h('div', { class: 'err', role: 'alert' });
  return h('div', null, h('button', { class: 'btn primary', type: 'button', 'data-close': 'now', onclick: async (e) => {
    if (!confirm(t('ur_close_confirm'))) return;
    e.target.disabled = true;
    try {
      const wo = await api('POST', `/workorders/${enc(o.id)}/unreachable/close`);
      await db.put('orders', wo);
      emit('outbox', await outbox.entries());
    } catch (err) {
      msg.textContent = err instanceof NetError ? t('ur_close_online') : err.message;
      e.target.disabled = false;
    }
  } }, t('ur_close')), msg);
}
