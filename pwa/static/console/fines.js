// The supervisor's fine review (罚款审核, seed 004 第三篇): the month's fines
// each event proposed, with their evidence, proposed first; confirm, adjust
// within the range, or waive with a reason. The month's agency totals
// (proposed and confirmed apart, caps on confirmed) and the 第五条 score sit
// above the list; a closed month is shown frozen. Online-only: figures come
// from the server each time.
import { h, clear } from '../js/dom.js';
import { t, tx, fmtTime, addStrings } from '../js/i18n.js';
import { api, currentSession, NetError } from '../js/api.js';
import * as ui from '../js/nav.js';
import { dlButtons } from '../js/sup-common.js';
import { nameOf, refreshNames } from '../js/names.js';
import { shMonth } from '../js/shtime.js';

addStrings({
  fn_title: '罚款审核', fn_month: '考核月份', fn_open: '未关账', fn_closed: '已关账', fn_closes: '{t} 自动关账',
  fn_frozen: '本月已关账，结果已冻结；之后到达的罚款计入下一个未关账月份（补记）。',
  fn_close: '关账', fn_close_ask: '关账后本月罚款与得分将冻结，确定关账？',
  fn_f_proposed: '待审核', fn_f_confirmed: '已确认', fn_f_waived: '已免罚', fn_f_all: '全部',
  fn_sum_proposed: '待审核 {n} 笔，{a} 元', fn_sum_confirmed: '已确认 {n} 笔，{a} 元（封顶后）', fn_sum_raw: '封顶前 {a} 元',
  fn_sum_waived: '免罚 {n} 笔', fn_sum_adj: '其中补记 {n} 笔',
  fn_score: '月度考核得分', fn_total: '总分', fn_p_timely: '装拆移机及时率', fn_p_faults: '障碍率', fn_p_complaints: '投诉率',
  fn_p_appt: '预约服务', fn_p_other: '其它', fn_none: '本月没有罚款。', fn_none_status: '没有这一类的罚款。',
  fn_order: '工单', fn_tech: '装维人员', fn_unit: '代理公司', fn_event: '发生时间', fn_accepted: '受理', fn_due: '时限', fn_done: '完成',
  fn_paused: '缓装暂停 {h} 小时', fn_upgrade: '升级前受理，自升级时起计时',
  fn_over_day: '超时 {n} 天', fn_over_hour: '超时 {n} 小时', fn_range: '可罚范围 {lo}–{hi} 元', fn_yuan: '{a} 元',
  fn_proposed_amt: '建议罚款', fn_amount: '金额（元）', fn_reason: '理由', fn_reason_req: '免罚须填写理由',
  fn_confirm: '确认', fn_adjust: '调整', fn_waive: '免罚', fn_change: '重新审核', fn_cancel: '取消', fn_save: '保存',
  fn_st_proposed: '待审核', fn_st_confirmed: '已确认', fn_st_waived: '已免罚',
  fn_by: '{p} 于 {t}', fn_adjustment: '补记（{m} 月）', fn_by_system: '系统提出', fn_by_hand: '{p} 提出',
  fn_need_online: '罚款审核需要联网。', fn_out_of_range: '金额须在 {lo}–{hi} 元之间', fn_sheet_manual: '手工完工',
  fn_sheet: '验收单已提交', fn_note: '说明',
}, {
  fn_title: 'Fine review', fn_month: 'Month', fn_open: 'Open', fn_closed: 'Closed', fn_closes: 'closes {t}',
  fn_frozen: 'This month is closed and frozen; fines arriving later count in the next open month (adjustments).',
  fn_close: 'Close month', fn_close_ask: 'Closing freezes this month\'s fines and score. Close it?',
  fn_f_proposed: 'To review', fn_f_confirmed: 'Confirmed', fn_f_waived: 'Waived', fn_f_all: 'All',
  fn_sum_proposed: '{n} to review, {a} yuan', fn_sum_confirmed: '{n} confirmed, {a} yuan (capped)', fn_sum_raw: '{a} yuan before caps',
  fn_sum_waived: '{n} waived', fn_sum_adj: '{n} adjustments',
  fn_score: 'Monthly score', fn_total: 'Total', fn_p_timely: 'Install/removal/move on time', fn_p_faults: 'Fault rate', fn_p_complaints: 'Complaint rate',
  fn_p_appt: 'Appointments', fn_p_other: 'Other', fn_none: 'No fines this month.', fn_none_status: 'No fines of this kind.',
  fn_order: 'Order', fn_tech: 'Technician', fn_unit: 'Agency', fn_event: 'When', fn_accepted: 'Accepted', fn_due: 'Due', fn_done: 'Done',
  fn_paused: 'paused {h} h on hold', fn_upgrade: 'accepted before the upgrade; timed from it',
  fn_over_day: '{n} day(s) over', fn_over_hour: '{n} hour(s) over', fn_range: 'range {lo}–{hi} yuan', fn_yuan: '{a} yuan',
  fn_proposed_amt: 'Proposed', fn_amount: 'Amount (yuan)', fn_reason: 'Reason', fn_reason_req: 'A waiver needs a reason',
  fn_confirm: 'Confirm', fn_adjust: 'Adjust', fn_waive: 'Waive', fn_change: 'Review again', fn_cancel: 'Cancel', fn_save: 'Save',
  fn_st_proposed: 'To review', fn_st_confirmed: 'Confirmed', fn_st_waived: 'Waived',
  fn_by: '{p}, {t}', fn_adjustment: 'adjustment for {m}', fn_by_system: 'raised by the system', fn_by_hand: 'raised by {p}',
  fn_need_online: 'The fine review needs a connection.', fn_out_of_range: 'The amount must be within {lo}–{hi} yuan', fn_sheet_manual: 'completed by hand',
  fn_sheet: 'acceptance sheet sent', fn_note: 'Note',
});

const enc = encodeURIComponent;
const FILTERS = ['proposed', 'confirmed', 'waived', ''];
let filter = 'proposed';

const thisMonth = () => shMonth(new Date()); // Asia/Shanghai
const monthLabel = (m) => m.slice(0, 4) + ' 年 ' + Number(m.slice(5)) + ' 月';
const yuan = (a) => String(Math.round(a * 100) / 100);

export async function fineReview(main, month) {
  month ||= thisMonth();
  const root = h('div', { class: 'finereview sup', id: 'finereview', 'data-month': month });
  main.append(root);
  await refreshNames().catch(() => {});
  let months, list, rows, scores, items;
  try {
    [months, list, rows, scores, items] = await Promise.all([
      api('GET', '/fines/months'), api('GET', '/fines?month=' + month), api('GET', '/reports/agency-fines?month=' + month),
      api('GET', '/reports/agency-score?month=' + month), api('GET', '/fines/catalogue'),
    ]);
  } catch (e) {
    root.append(h('p', { class: 'warnbox', 'data-offline': '' }, e instanceof NetError ? t('fn_need_online') : t('error') + ': ' + e.message));
    return;
  }
  const info = months.items.find((x) => x.month === month) || { month, closed: rows.items.some((r) => r.closed) };
  root.dataset.closed = String(!!info.closed);
  const names = new Map(items.items.map((x) => [x.id, x]));
  const isAdmin = currentSession()?.user?.role === 'admin';
  const pick = h('select', { id: 'fnmonth', 'aria-label': t('fn_month'), onchange: () => ui.navigate('/fines/' + pick.value) },
    months.items.map((m) => h('option', { value: m.month, selected: m.month === month }, monthLabel(m.month) + ' · ' + t(m.closed ? 'fn_closed' : 'fn_open'))));
  root.append(h('div', { class: 'row between' }, h('h2', null, t('fn_title')), h('a', { class: 'btn small', href: '/', 'data-link': '' }, '← ' + t('sup_title'))),
    h('div', { class: 'row' }, h('label', null, t('fn_month') + ' ', pick),
      info.closed ? h('span', { class: 'pill', 'data-state': 'closed' }, t('fn_closed'))
        : h('span', { class: 'small muted' }, t('fn_closes', { t: fmtTime(info.closes_at) })),
      !info.closed && isAdmin && info.month < thisMonth() ? h('button', { class: 'btn small', type: 'button', id: 'fnclose', onclick: () => closeMonth(month) }, t('fn_close')) : null));
  if (info.closed) root.append(h('p', { class: 'warnbox', id: 'fnfrozen' }, t('fn_frozen')));
  root.append(summary(rows.items, month), score(scores.items));
  const tabs = h('div', { class: 'row tabs', role: 'tablist' });
  const listEl = h('div', { class: 'cards fnlist' });
  const paint = () => {
    clear(tabs);
    for (const f of FILTERS) {
      const n = list.items.filter((x) => !f || x.status === f).length;
      tabs.append(h('button', { class: 'btn small' + (f === filter ? ' primary' : ''), type: 'button', role: 'tab', 'aria-selected': String(f === filter), 'data-filter': f || 'all',
        onclick: () => { filter = f; paint(); } }, t('fn_f_' + (f || 'all')) + ' (' + n + ')'));
    }
    clear(listEl);
    const shown = list.items.filter((x) => !filter || x.status === filter);
    if (!list.items.length) listEl.append(h('p', { class: 'muted' }, t('fn_none')));
    else if (!shown.length) listEl.append(h('p', { class: 'muted' }, t('fn_none_status')));
    for (const f of shown) listEl.append(card(f, names.get(f.item), info.closed, (next) => { Object.assign(f, next); paint(); refreshTotals(); }));
  };
  const refreshTotals = async () => {
    try {
      const [r, s] = await Promise.all([api('GET', '/reports/agency-fines?month=' + month), api('GET', '/reports/agency-score?month=' + month)]);
      root.querySelector('#fnsummary')?.replaceWith(summary(r.items, month));
      root.querySelector('#fnscore')?.replaceWith(score(s.items));
    } catch { /* the list is already right; totals refresh on the next visit */ }
  };
  root.append(tabs, listEl);
  paint();
}

async function closeMonth(month) {
  if (!confirm(t('fn_close_ask'))) return;
  try { await api('POST', '/fines/months/' + month + '/close'); } catch (e) { alert(t('error') + ': ' + e.message); }
  ui.render();
}

function summary(rows, month) {
  const el = h('section', { class: 'card', id: 'fnsummary' });
  for (const r of rows) {
    el.append(h('div', { class: 'fnunit', 'data-unit-row': '' },
      h('b', null, nameOf('unit', r.unit)),
      h('div', { 'data-sum': 'proposed' }, t('fn_sum_proposed', { n: r.proposed, a: yuan(r.proposed_amount) })),
      h('div', { 'data-sum': 'confirmed' }, t('fn_sum_confirmed', { n: r.confirmed, a: yuan(r.confirmed_amount) }),
        r.confirmed_raw !== r.confirmed_amount ? h('span', { class: 'small muted' }, ' · ' + t('fn_sum_raw', { a: yuan(r.confirmed_raw) })) : null),
      h('div', { class: 'small muted' }, t('fn_sum_waived', { n: r.waived }), r.adjustments ? ' · ' + t('fn_sum_adj', { n: r.adjustments }) : '')));
  }
  el.append(dlButtons('agency-fines', '/reports/agency-fines?month=' + month));
  return el;
}

function score(rows) {
  const el = h('section', { class: 'card', id: 'fnscore' }, h('h3', null, t('fn_score')));
  const parts = [['timely', 'fn_p_timely'], ['faults', 'fn_p_faults'], ['complaints', 'fn_p_complaints'], ['appointment', 'fn_p_appt'], ['other', 'fn_p_other']];
  for (const s of rows) {
    el.append(h('div', { class: 'fnunit' }, h('b', null, nameOf('unit', s.unit) + ' · ' + t('fn_total') + ' '), h('b', { 'data-score': '' }, String(s.total)),
      h('div', { class: 'small' }, parts.map(([k, w]) => h('span', { class: 'pill' }, t(w) + ' ' + s[k].points + '/' + s[k].max)))));
  }
  return el;
}

function card(f, item, closed, done) {
  const ev = f.evidence || {}, c = ev.clock;
  const over = f.units ? t(c?.unit === 'hour' ? 'fn_over_hour' : 'fn_over_day', { n: f.units }) : '';
  const el = h('article', { class: 'card fine', 'data-fine': '', 'data-status': f.status, 'data-order': f.order_id || ev.order_id || '' },
    h('div', { class: 'row between' }, h('b', null, tx(item?.name) + ' ', h('span', { class: 'small muted' }, f.article)),
      h('span', null, f.adjustment ? h('span', { class: 'pill', 'data-adjustment': '' }, t('fn_adjustment', { m: Number(f.event_month.slice(5)) })) : null, ' ',
        h('span', { class: 'pill fn-' + f.status }, t('fn_st_' + f.status)))),
    h('div', null, t('fn_order') + ' ', h('a', { href: '/wo/' + enc(ev.order_id || f.order_id || ''), 'data-link': '' }, ev.order_id || f.order_id || ''),
      ' · ' + t('fn_tech') + ' ' + nameOf('person', f.technician), ' · ' + t('fn_unit') + ' ' + nameOf('unit', f.unit)),
    h('div', { class: 'small' }, c ? [t('fn_accepted') + ' ' + fmtTime(c.start_at), ' · ' + t('fn_due') + ' ' + fmtTime(c.due_at), c.stopped_at ? ' · ' + t('fn_done') + ' ' + fmtTime(c.stopped_at) : '',
      c.paused_seconds ? ' · ' + t('fn_paused', { h: Math.round(c.paused_seconds / 360) / 10 }) : '', c.from_upgrade ? ' · ' + t('fn_upgrade') : '']
      : t('fn_event') + ' ' + fmtTime(f.event_at),
    ev.sheet ? ' · ' + (ev.sheet === 'manual' ? t('fn_sheet_manual') : t('fn_sheet')) : '',
    ' · ' + (f.proposed_by === 'system' ? t('fn_by_system') : t('fn_by_hand', { p: nameOf('person', f.proposed_by) }))),
    ev.note ? h('div', { class: 'small' }, t('fn_note') + '：' + ev.note) : null,
    h('div', { class: 'row' }, over ? h('span', { class: 'pill late' }, over) : null,
      h('span', null, t('fn_proposed_amt') + ' '), h('b', { 'data-proposed': '' }, t('fn_yuan', { a: yuan(f.proposed) })),
      h('span', { class: 'small muted' }, t('fn_range', { lo: yuan(f.min), hi: yuan(f.max) }))),
    f.status !== 'proposed' ? h('div', { class: 'small', 'data-review': '' }, t('fn_st_' + f.status),
      f.status === 'confirmed' ? ' ' + t('fn_yuan', { a: yuan(f.amount) }) : '', f.reason ? ' · ' + f.reason : '',
      f.reviewed_by ? ' · ' + t('fn_by', { p: nameOf('person', f.reviewed_by), t: fmtTime(f.reviewed_at) }) : '') : null);
  if (!closed) el.append(actions(f, done));
  return el;
}

function actions(f, done) {
  const box = h('div', { class: 'row fnactions' });
  const err = h('p', { class: 'err small', role: 'alert' });
  const send = async (body) => {
    err.textContent = '';
    try { done(await api('POST', '/fines/' + enc(f.id) + '/review', { body })); } catch (e) {
      err.textContent = e instanceof NetError ? t('fn_need_online') : (e.fields && Object.values(e.fields)[0]) || e.message;
    }
  };
  const form = (kind) => {
    clear(box);
    const amount = h('input', { type: 'number', inputmode: 'decimal', step: '1', min: f.min, max: f.max, value: f.status === 'confirmed' ? f.amount : f.proposed, name: 'amount', 'aria-label': t('fn_amount') });
    const reason = h('input', { type: 'text', name: 'reason', maxlength: '500', 'aria-label': t('fn_reason'), placeholder: t('fn_reason') });
    box.append(kind === 'adjust' ? h('label', null, t('fn_amount') + ' ', amount) : null, h('label', null, t('fn_reason') + ' ', reason),
      h('button', { class: 'btn primary small', type: 'button', 'data-act': 'save', onclick: () => {
        if (kind === 'waive') {
          if (!reason.value.trim()) { err.textContent = t('fn_reason_req'); return; }
          return send({ action: 'waive', reason: reason.value });
        }
        const a = Number(amount.value);
        if (!(a >= f.min && a <= f.max)) { err.textContent = t('fn_out_of_range', { lo: yuan(f.min), hi: yuan(f.max) }); return; }
        return send({ action: 'adjust', amount: a, reason: reason.value });
      } }, t('fn_save')),
      h('button', { class: 'btn small', type: 'button', onclick: () => buttons() }, t('fn_cancel')));
    reason.focus();
  };
  const buttons = (again = false) => {
    clear(box);
    if (f.status !== 'proposed' && !again) {
      box.append(h('button', { class: 'btn small', type: 'button', 'data-act': 'change', onclick: () => buttons(true) }, t('fn_change')));
      return;
    }
    box.append(h('button', { class: 'btn primary small', type: 'button', 'data-act': 'confirm', onclick: () => send({ action: 'confirm' }) }, t('fn_confirm')),
      h('button', { class: 'btn small', type: 'button', 'data-act': 'adjust', onclick: () => form('adjust') }, t('fn_adjust')),
      h('button', { class: 'btn small', type: 'button', 'data-act': 'waive', onclick: () => form('waive') }, t('fn_waive')));
  };
  buttons();
  return h('div', null, box, err);
}
