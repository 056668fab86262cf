// The supervisor's view of an order's visit record (issue 22): its
// appointment record (预约登记, 第十四条) and, on a repair, the attempts to
// reach the customer (第二十四条). Desk only (sup-*.js are not precached).
import { h } from './dom.js';
import { addStrings, t, fmtTime } from './i18n.js';
import { nameOf } from './names.js';

addStrings({
  sv_appts: '预约登记', sv_unreach: '联系不上客户', sv_none: '无', sv_made: '预约', sv_changed: '改约', sv_kept: '履约', sv_missed: '未履约',
  sv_reason: '原因', sv_note_photo: '已拍留言条照片', sv_no_note_photo: '尚无留言条照片', sv_closed: '已按联系不上客户销障，待回访确认',
}, {
  sv_appts: 'Appointments', sv_unreach: 'Customer unreachable', sv_none: 'none', sv_made: 'Made', sv_changed: 'Changed', sv_kept: 'Kept', sv_missed: 'Missed',
  sv_reason: 'Reason', sv_note_photo: 'Photo of the note taken', sv_no_note_photo: 'No photo of the note yet', sv_closed: 'Closed as unreachable; the callback confirms it',
});

const win = (w) => (w && w.from ? ' ' + fmtTime(w.from) + '–' + fmtTime(w.to, false) : '');
const who = (r) => h('span', { class: 'small muted' }, ' · ', nameOf('person', r.by), ' · ', fmtTime(r.at));

// visitRecord is a card, or null for an order with nothing to show.
export function visitRecord(o) {
  const ap = o.appointments || [], u = o.unreachable;
  if (!ap.length && !u && o.completed_by !== 'unreachable') return null;
  return h('section', { class: 'card visitrec', id: 'visit' },
    h('h3', null, t('sv_appts')),
    ap.length ? h('ul', { class: 'records' }, ap.map((r) => h('li', { 'data-event': r.event },
      h('b', null, t('sv_' + r.event)), win(r.window), r.reason ? ' · ' + t('sv_reason') + '：' + r.reason : '', who(r)))) : h('p', { class: 'muted small' }, t('sv_none')),
    u ? [h('h3', null, t('sv_unreach')),
      h('ol', { class: 'records' }, (u.attempts || []).map((a) => h('li', null, a.note || '', a.photo ? ' · ' + t('sv_note_photo') : '', who(a)))),
      h('p', { class: 'small' }, u.note_photo ? t('sv_note_photo') : t('sv_no_note_photo'))] : null,
    o.completed_by === 'unreachable' ? h('p', { class: 'warnbox small', 'data-closed': '' }, t('sv_closed')) : null);
}
