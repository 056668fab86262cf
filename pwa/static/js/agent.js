// The callback agent's screens (回访, API.md "Callbacks"): the queue home with
// today's counters and a big "next call" button, and the call screen — the
// customer card with tap-to-call, the 回访话术 script, one-tap outcomes for a
// call that did not get through, and the result form.
//
// Agents work online (a call-centre desk, or a phone with signal): every step
// is a server call the moment it is taken, nothing waits in an outbox, and an
// unreachable server is said plainly instead of pretending. Only the script's
// answers are kept on the device while a call is open, so a reload mid-call
// does not lose what the customer already said.
import { register } from './roles.js';
import { main, navigate, render, setLeaving } from './nav.js';
import { h } from './dom.js';
import { addStrings, t, tx, fmtTime } from './i18n.js';
import { api, ApiError, NetError, currentSession } from './api.js';
import { Lease, claimTask } from './agent-lease.js';
// 回访 deadlines and agreed times are Beijing time, whatever the desk's clock says.
import { shLocal, shDay, fromShLocal, dayPlus, shISO } from './shtime.js';
import { renderChecklist } from './checklist.js';
import { on } from './bus.js';
import * as db from './db.js';
import './cb-words.js';
import { nameOf, refreshNames } from './names.js';

addStrings({
  cb_title: '回访队列', cb_refresh: '刷新', cb_my_reviews: '我的监听记录', cb_ready: '待回访', cb_overdue: '已超期', cb_done_today: '今日已完成',
  cb_next: '下一个回访', cb_claiming: '正在领取…', cb_empty: '队列中暂时没有可回访的任务',
  cb_sms_waiting: '另有 {n} 位普通客户正在等待短信评价，{w} 内未回复会自动转入人工队列。',
  cb_online_only: '回访需要联网：现在连接不到服务器，不能领取或记录回访。恢复网络后会自动刷新。',
  cb_mine: '我正在处理', cb_scheduled: '约定回电 / 稍后重拨', cb_continue: '继续', cb_call_now: '现在回电',
  cb_next_at: '{t} 再拨', cb_lease_until: '已领取，保留到 {t}（通话期间自动续期）', cb_renew_offline: '连接不到服务器，领取暂时无法续期；恢复网络后自动重试',
  cb_held_by: '该任务正由 {u} 处理，不能操作', cb_back: '返回队列',
  cb_order: '工单', cb_product: '产品', cb_appointment: '预约上门', cb_technician: '装维人员', cb_finished: '完工时间', cb_due: '当天回访期限', cb_deadline: '最迟',
  cb_phone: '电话', cb_call: '拨打 {p}', cb_no_phone: '工单上没有客户电话',
  cb_unreachable_closure: '联系不上客户销障（第二十四条）：装维人员称 24 小时内联系不上客户并已贴留言条。请向客户确认故障是否已修复、是否确实联系不上。',
  cb_why_manual_tier: '重要/高价值客户：人工回访', cb_why_manual_no_phone: '无手机号：人工回访',
  cb_why_manual_late: '完工已久：人工回访', cb_why_manual_sms_no_answer: '短信评价未回复：转人工',
  cb_why_manual_sms_unsatisfied: '客户短信评价“不满意”：请问清具体原因',
  cb_sms_reply: '短信评价', cb_attempts: '已拨打记录',
  cb_outcomes: '没有接通？一键记录', cb_no_answer: '无人接听', cb_busy: '占线/忙',
  cb_later: '约定回电', cb_later_at: '回电时间（北京时间）', cb_later_save: '确认约定时间', cb_later_need: '请选择回电时间',
  cb_in_1h: '1 小时后', cb_tonight: '今晚 19:00', cb_tomorrow: '明天 10:00',
  cb_more: '其他结果', cb_wrong_number: '号码错误', cb_refused: '客户拒绝回访',
  cb_close_confirm: '记录后该任务将标记为“无法联系”并结束，确定？',
  cb_release: '交回队列（不记录结果）',
  cb_script: '回访话术', cb_script_missing: '没有取到回访话术模板，请直接按问题询问客户并记录结果。',
  cb_result: '回访结果', cb_satisfaction: '满意度', cb_very_satisfied: '非常满意', cb_satisfied: '满意', cb_unsatisfied: '不满意',
  cb_reasons: '不满意原因', cb_reasons_help: '客户不满意时必须问清并勾选或填写原因（可多选）', cb_reason_other: '其他原因（自行填写）',
  cb_score: '整体评分（0–5）', cb_note: '备注', cb_submit: '提交回访结果', cb_sending: '提交中…',
  cb_need_satisfaction: '请选择满意度', cb_need_reason: '客户不满意时须记录具体原因',
  cb_saved_result: '已记录 {n} 的回访结果', cb_saved_no_answer: '已记录“无人接听”：{n} 将于 {t} 重新进入队列',
  cb_saved_busy: '已记录“占线”：{n} 将于 {t} 重新进入队列', cb_saved_later: '已约定 {t} 回电给 {n}',
  cb_saved_closed: '已记录：{n} 无法联系，任务已结束', cb_released: '已交回队列',
  cb_lease_lost: '领取已失效：{m}', cb_already_done: '该回访已有结果，无需再提交', cb_task_closed: '该回访任务已结束',
  cb_check_fields: '请检查标红的项目',
  cb_result_by: '{u} 于 {t} 记录', cb_not_found: '没有这个回访任务',
  cb_last_try: '最后一次尝试：这次若无人接听或占线，任务将结束并记为“无法联系”，不再回访。',
  cb_last_try_deadline: '回访期限 {t} 前已来不及再次重拨。', cb_last_try_limit: '已拨打 {n} 次，这是允许的最后一次。',
  cb_attempts_left: '还可拨打 {n} 次（含这一次）', cb_later_until: '可约定到 {t}（回访期限）为止',
  cb_later_none: '已没有可约定的时间：回访期限是 {t}。', cb_later_past: '约定时间须在回访期限 {t} 之前',
  cb_score_from_script: '整体评分取自话术中的 0–5 分题',
}, {
  cb_title: 'Callback queue', cb_refresh: 'Refresh', cb_my_reviews: 'My call reviews', cb_ready: 'Ready to call', cb_overdue: 'Overdue', cb_done_today: 'Done today',
  cb_next: 'Next call', cb_claiming: 'Claiming…', cb_empty: 'Nothing to call right now',
  cb_sms_waiting: '{n} more standard customers are waiting for the SMS survey; unanswered after {w} they join this queue.',
  cb_online_only: 'Callbacks need the network: the server cannot be reached, so nothing can be claimed or recorded. This page refreshes when it is back.',
  cb_mine: 'In my hands', cb_scheduled: 'Agreed call-backs / retries', cb_continue: 'Continue', cb_call_now: 'Call now',
  cb_next_at: 'call {t}', cb_lease_until: 'Claimed, held until {t} (renewed while this call is open)', cb_renew_offline: 'The server cannot be reached, so the claim cannot be renewed; it retries when the network is back',
  cb_held_by: '{u} is working on this task', cb_back: 'Back to queue',
  cb_order: 'Order', cb_product: 'Product', cb_appointment: 'Appointment', cb_technician: 'Technician', cb_finished: 'Finished', cb_due: 'Due today by', cb_deadline: 'Latest',
  cb_phone: 'Phone', cb_call: 'Call {p}', cb_no_phone: 'The order has no phone number',
  cb_unreachable_closure: 'Closed as unreachable: the technician reports the customer could not be reached for 24 hours and a note was left. Confirm with the customer that the fault is fixed and that they really could not be reached.',
  cb_why_manual_tier: 'VIP / high-value: manual call', cb_why_manual_no_phone: 'No mobile: manual call',
  cb_why_manual_late: 'Finished long ago: manual call', cb_why_manual_sms_no_answer: 'SMS survey unanswered',
  cb_why_manual_sms_unsatisfied: 'Answered "unsatisfied" by SMS: ask for the reason',
  cb_sms_reply: 'SMS answer', cb_attempts: 'Calls so far',
  cb_outcomes: 'Not through? One tap', cb_no_answer: 'No answer', cb_busy: 'Busy',
  cb_later: 'Call back later', cb_later_at: 'Call at (Beijing time)', cb_later_save: 'Set call-back time', cb_later_need: 'Pick a time',
  cb_in_1h: 'In 1 hour', cb_tonight: 'Tonight 19:00', cb_tomorrow: 'Tomorrow 10:00',
  cb_more: 'Other outcomes', cb_wrong_number: 'Wrong number', cb_refused: 'Customer refused',
  cb_close_confirm: 'This closes the task as unreachable. Continue?',
  cb_release: 'Give back to the queue (no outcome)',
  cb_script: 'Callback script', cb_script_missing: 'The callback script could not be loaded: ask the questions and record the result.',
  cb_result: 'Result', cb_satisfaction: 'Satisfaction', cb_very_satisfied: 'Very satisfied', cb_satisfied: 'Satisfied', cb_unsatisfied: 'Unsatisfied',
  cb_reasons: 'Reasons', cb_reasons_help: 'An unsatisfied customer: ask and record why (tick or write, several allowed)', cb_reason_other: 'Other reason (write it)',
  cb_score: 'Overall score (0–5)', cb_note: 'Notes', cb_submit: 'Submit result', cb_sending: 'Sending…',
  cb_need_satisfaction: 'Choose the satisfaction', cb_need_reason: "Record why the customer is unsatisfied",
  cb_saved_result: 'Result recorded for {n}', cb_saved_no_answer: '"No answer" recorded: {n} returns to the queue at {t}',
  cb_saved_busy: '"Busy" recorded: {n} returns to the queue at {t}', cb_saved_later: 'Call-back to {n} set for {t}',
  cb_saved_closed: 'Recorded: {n} cannot be reached, the task is closed', cb_released: 'Given back to the queue',
  cb_lease_lost: 'Your claim is gone: {m}', cb_already_done: 'This callback already has a result', cb_task_closed: 'This callback is closed',
  cb_check_fields: 'Check the items in red',
  cb_result_by: 'by {u}, {t}', cb_not_found: 'No such callback task',
  cb_last_try: 'Last try: if there is no answer or the line is busy now, the task closes as "unreachable" and is not called again.',
  cb_last_try_deadline: 'There is no time for another retry before the deadline {t}.', cb_last_try_limit: '{n} calls made: this is the last one allowed.',
  cb_attempts_left: '{n} calls left (this one included)', cb_later_until: 'Can be set until {t} (the callback deadline)',
  cb_later_none: 'No time left to agree: the callback deadline is {t}.', cb_later_past: 'The time must be before the callback deadline {t}',
  cb_score_from_script: 'The overall score is the script\'s 0–5 question',
});

const SATISFACTION = ['very_satisfied', 'satisfied', 'unsatisfied'];
const SMS_WAIT_LABEL = { zh: '4 小时', en: '4 hours' }; // server default FIELDCHECK_SMS_WAIT

// ---------- server helpers ----------
const me = () => currentSession()?.user?.username || '';
const tasks = new Map(); // id → the task the last answer carried (claim hands it over to the call view)
let reasonsP = null;
let scriptP = null;

async function listAll(query) {
  const out = [];
  let after = '';
  for (let i = 0; i < 5; i++) {
    const r = await api('GET', '/callbacks?' + query + '&limit=1000' + (after ? '&after=' + encodeURIComponent(after) : ''));
    out.push(...(r?.items || []));
    if (!r?.next) break;
    after = r.next;
  }
  return out;
}

function reasons() {
  reasonsP ??= api('GET', '/callbacks/reasons').then((r) => r?.items || []).catch((e) => { reasonsP = null; throw e; });
  return reasonsP;
}

// script is the latest 回访话术 template: from the server, or from a template
// a sync left in IndexedDB when the server cannot be asked.
function script() {
  scriptP ??= api('GET', '/templates/callback_script').catch(async (e) => {
    scriptP = null;
    const local = (await db.all('templates').catch(() => [])).filter((x) => x.kind === 'callback').sort((a, b) => b.version - a.version)[0];
    if (local) return local;
    throw e;
  });
  return scriptP;
}

// flash is the message the home shows once after an action on the call screen.
let flash = null;

// errorText says a failure plainly. claiming: the agent is asking for a task
// they never held, so "someone else has it" is not a lost claim. The server's
// own messages (sms_pending: still waiting for the customer's SMS answer) are
// already written for a person.
function errorText(e, claiming = false) {
  if (e instanceof NetError) return t('cb_online_only');
  if (e instanceof ApiError) {
    if (e.code === 'leased_to_other') return claiming ? e.message : t('cb_lease_lost', { m: e.message });
    if (e.code === 'already_done') return t('cb_already_done');
    if (e.code === 'task_closed') return t('cb_task_closed');
    if (e.status === 404) return t('cb_not_found');
  }
  return e.message || String(e);
}

const fmtWhen = (iso) => (iso && shDay(new Date(iso)) === shDay(new Date()) ? fmtTime(iso, false) : fmtTime(iso));

// names: the display names of products and people, asked once a session
// (names.js keeps them for offline); a slow answer never holds a screen up.
let namesP = null;
const names = () => Promise.race([namesP ??= refreshNames(), new Promise((r) => setTimeout(r, 1500))]);

// ---------- home ----------
async function agentHome() {
  await names();
  const counters = h('div', { class: 'cb-counters' });
  const msg = h('div', { class: 'cb-msg', id: 'cb-msg', role: 'status' });
  const next = h('button', { class: 'btn primary big cb-next', id: 'cb-next', type: 'button', disabled: true }, t('cb_next'));
  const lists = h('div', { class: 'cb-lists' });
  main.append(h('div', { class: 'row between cb-head' }, h('h2', null, t('cb_title')),
    h('button', { type: 'button', class: 'btn small', id: 'cb-refresh', onclick: () => render() }, t('cb_refresh'))));
  if (flash) { main.append(h('p', { class: 'okbox', id: 'cb-flash' }, flash)); flash = null; }
  main.append(counters, next, msg, lists);
  main.append(h('p', null, h('a', { href: '/my/reviews', 'data-link': '', class: 'btn small', id: 'cb-my-reviews' }, t('cb_my_reviews'))));

  // The counters are the server's summary, named by its keys (data-counter),
  // with the number also in data-value for anything that reads the screen.
  const counter = (key, n, cls = '') => h('div', { class: 'cb-counter ' + cls, 'data-counter': key, 'data-value': n == null ? '' : String(n) },
    h('b', null, n == null ? '—' : String(n)), h('span', null, t('cb_' + key)));
  counters.append(counter('ready'), counter('overdue'), counter('done_today'));

  next.addEventListener('click', async () => {
    next.disabled = true; next.textContent = t('cb_claiming'); msg.textContent = ''; msg.className = 'cb-msg';
    try {
      const task = await api('POST', '/callbacks/claim');
      if (!task) { msg.textContent = t('cb_empty'); return; }
      tasks.set(task.id, task);
      navigate('/agent/call/' + encodeURIComponent(task.id));
    } catch (e) {
      msg.textContent = errorText(e, true);
      msg.classList.add('err');
    } finally { next.disabled = false; next.textContent = t('cb_next'); }
  });

  // A task picked from a list is claimed before it opens, so the call screen
  // always works under this agent's lease; a refusal stays on the row.
  const open = async (x, btn, say) => {
    btn.disabled = true; say.textContent = '';
    try {
      const task = await claimTask(x.id);
      tasks.set(task.id, task);
      navigate('/agent/call/' + encodeURIComponent(task.id));
    } catch (e) {
      say.textContent = errorText(e, true);
      btn.disabled = false;
    }
  };

  let sum, pending, claimed;
  try {
    [sum, pending, claimed] = await Promise.all([
      api('GET', '/callbacks/summary'), listAll('status=pending'), listAll('status=claimed'),
    ]);
  } catch (e) {
    msg.textContent = errorText(e);
    msg.classList.add(e instanceof NetError ? 'warnbox' : 'err');
    if (e instanceof NetError) {
      const off = on('online', (ok) => { if (!ok) return; off(); if (document.body.dataset.view === 'agentHome') render(); });
    }
    return;
  }
  counters.replaceChildren(counter('ready', sum.ready), counter('overdue', sum.overdue, sum.overdue ? 'bad' : ''), counter('done_today', sum.done_today, 'good'));
  next.disabled = false;

  if (sum.sms) lists.append(h('p', { class: 'muted small', id: 'cb-sms-waiting' }, t('cb_sms_waiting', { n: sum.sms, w: tx(SMS_WAIT_LABEL) })));
  const mine = claimed.filter((x) => x.lease_holder === me());
  if (mine.length) lists.append(h('h3', null, t('cb_mine')), h('div', { class: 'cards' }, mine.map((x) => taskRow(x, t('cb_continue'), open))));
  const later = pending.filter((x) => x.channel === 'manual' && x.next_attempt_at)
    .sort((a, b) => Date.parse(a.next_attempt_at) - Date.parse(b.next_attempt_at));
  if (later.length) lists.append(h('h3', null, t('cb_scheduled')), h('div', { class: 'cards' }, later.map((x) => taskRow(x, t('cb_call_now'), open))));
  // Nothing to call, none held, none agreed for later: say so.
  if (!sum.ready && !sum.overdue && !mine.length && !later.length) lists.append(h('p', { class: 'muted', id: 'cb-none' }, t('cb_empty')));
}

function taskRow(x, action, open) {
  const c = x.customer || {};
  const say = h('div', { class: 'err cb-row-msg', role: 'alert' });
  const btn = h('button', { type: 'button', class: 'btn', onclick: () => open(x, btn, say) }, action);
  return h('article', { class: 'card cb-row', 'data-task': x.id },
    h('div', { class: 'row between' },
      h('b', null, c.name || x.workorder_id),
      tierPill(x.tier),
      x.next_attempt_at ? h('span', { class: 'pill' }, t('cb_next_at', { t: fmtWhen(x.next_attempt_at) })) : null,
      Date.parse(x.due_at) < Date.now() ? h('span', { class: 'pill bad' }, t('cb_overdue')) : null),
    h('div', { class: 'small muted' }, x.workorder_id, ' · ', t('type_' + x.order_type), x.attempts?.length ? ' · ' + outcomeLine(x.attempts[x.attempts.length - 1]) : ''),
    btn, say);
}

const tierPill = (tier) => (tier ? h('span', { class: 'pill tier-' + tier }, t('tier_' + tier)) : null);
const outcomeLine = (a) => `${fmtWhen(a.at)} ${t('cb_out_' + a.outcome)}${a.call_at ? ' → ' + fmtWhen(a.call_at) : ''}`;

// ---------- the call ----------
// agentCall opens one task: the customer card with the lease's state, the
// one-tap outcomes, the script and the result form. The lease is kept by a
// Lease (agent-lease.js); each part below is drawn by its own view.
async function agentCall(id) {
  const opened = await openTask(id);
  if (!opened) return;
  const { task, refused } = opened;
  const [tpl, reasonList] = await Promise.all([script().catch(() => null), reasons().catch(() => []), names()]);
  const scriptKey = 'cb_script:' + id;
  const sheet = { answers: (await db.kvGet(scriptKey).catch(() => null)) || {} };
  const lease = new Lease(task, me());
  setLeaving(() => lease.leave());

  // done: an outcome was recorded; the home says so once.
  const call = {
    id, task, lease, tpl, sheet, reasonList,
    done: async (text) => {
      lease.finish();
      await db.del('kv', scriptKey).catch(() => {});
      flash = text;
      navigate('/');
    },
  };
  const card = callCard(task, lease, refused);
  lease.start({
    isOpen: () => card.leaseLine.isConnected,
    paint: card.paint,
    // Nothing more can be recorded here.
    lost: (e) => {
      card.say(errorText(e));
      for (const b of main.querySelectorAll('.cb-outcomes button, .cb-result button, .cb-result input, .cb-result textarea')) b.disabled = true;
    },
    failed: (e) => card.say(errorText(e)),
  });
  const outcomes = outcomesView(call);
  const scriptBox = scriptView(call, scriptKey, () => {
    if (sheet.answers.good_time === 'call_later' && lease.canAttempt && outcomes.laterHidden()) outcomes.openLater();
  });
  main.append(h('div', { class: 'cb-call' },
    h('div', { class: 'cb-top' }, backRow()),
    card.el,
    lease.canAttempt ? outcomes.el : null,
    scriptBox,
    task.result ? resultView(task.result) : lease.canResult ? resultForm(call) : null));
}

// openTask: the task handed over by the home's claim, or — opened by its
// address (a reload, a second window) — claimed as a pick from a list would
// be; our own lease is just renewed. A refusal still shows the task,
// read-only, with the server's reason. null: nothing to show but the error.
async function openTask(id) {
  let task = tasks.get(id);
  tasks.delete(id);
  let refused = null; // the 409 that said this task is not ours to work
  try {
    if (!task) {
      try {
        task = await claimTask(id);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 409) throw e;
        refused = e;
        task = await api('GET', '/callbacks/' + encodeURIComponent(id));
      }
    }
  } catch (e) {
    main.append(backRow(), h('p', { class: e instanceof NetError ? 'warnbox' : 'err', id: 'cb-error' }, errorText(e)));
    return null;
  }
  return { task, refused };
}

// callCard: the customer card with tap-to-call and the lease's line.
// paint redraws the lease line; say puts a problem on it instead.
function callCard(task, lease, refused) {
  const c = task.customer || {};
  const status = h('span', { class: 'state cb-status', 'data-status': task.status }, t('cb_status_' + task.status));
  const leaseLine = h('p', { class: 'small', id: 'cb-lease', 'data-lease-until': task.lease_until || '' });
  const paint = () => {
    if (lease.finished) return;
    const text = lease.offline ? t('cb_renew_offline')
      : lease.heldByOther ? t('cb_held_by', { u: nameOf('person', task.lease_holder) })
        : lease.holds() ? t('cb_lease_until', { t: fmtTime(task.lease_until, false) })
          : refused && task.status !== 'done' && task.status !== 'unreachable' ? errorText(refused, true) : '';
    leaseLine.className = lease.offline || lease.heldByOther || (refused && !lease.holds() && text) ? 'warnbox small' : 'small muted';
    leaseLine.textContent = text;
    leaseLine.dataset.leaseUntil = lease.holds() ? task.lease_until || '' : '';
  };
  const say = (text) => { leaseLine.className = 'warnbox small'; leaseLine.textContent = text; };
  paint();
  const phone = (c.phone || '').replace(/[^\d+]/g, '');
  const el = h('article', { class: 'card cb-card', 'data-task': task.id, 'data-workorder': task.workorder_id },
    h('div', { class: 'row between' }, h('div', { class: 'row' }, h('span', { class: 'cb-name' }, c.name || '—'), tierPill(task.tier)), status),
    h('div', { class: 'meta' },
      h('span', null, t('cb_order') + ' ', h('b', null, task.workorder_id)), h('span', { class: 'pill' }, t('type_' + task.order_type)),
      task.technician ? h('span', { class: 'cb-tech' }, t('cb_technician') + ' ', nameOf('person', task.technician)) : null),
    task.product || task.appointment?.from ? h('div', { class: 'meta' },
      task.product ? h('span', { class: 'cb-product', 'data-product': task.product }, t('cb_product') + ' ', h('b', null, nameOf('product', task.product))) : null,
      task.appointment?.from ? h('span', { class: 'cb-appointment', 'data-from': task.appointment.from, 'data-to': task.appointment.to || '' },
        t('cb_appointment') + ' ', appointmentText(task.appointment)) : null) : null,
    h('div', { class: 'meta' },
      task.finished_at ? h('span', null, t('cb_finished') + ' ', fmtTime(task.finished_at)) : null,
      h('span', { class: Date.parse(task.due_at) < Date.now() ? 'cb-late' : '' }, t('cb_due') + ' ', fmtTime(task.due_at)),
      h('span', null, t('cb_deadline') + ' ', fmtTime(task.deadline_at))),
    phone ? h('a', { class: 'btn primary big cb-tel', id: 'cb-tel', href: 'tel:' + phone }, t('cb_call', { p: c.phone })) : h('p', { class: 'warnbox' }, t('cb_no_phone')),
    c.address ? h('div', { class: 'addr' }, c.address) : null,
    task.manual_reason ? h('p', { class: task.manual_reason === 'sms_unsatisfied' ? 'warnbox small' : 'small muted' }, t('cb_why_manual_' + task.manual_reason)) : null,
    task.completed_by === 'unreachable' ? h('p', { class: 'warnbox small', 'data-unreachable-closure': '' }, t('cb_unreachable_closure')) : null,
    task.survey ? h('p', { class: 'small' }, t('cb_sms_reply') + ': ', t('cb_' + task.survey.satisfaction), task.survey.reasons?.length ? ' · ' + task.survey.reasons.join('、') : '') : null,
    task.attempts?.length ? h('div', { class: 'cb-attempts' }, h('div', { class: 'small muted' }, t('cb_attempts')),
      h('ol', null, task.attempts.map((a) => h('li', { 'data-outcome': a.outcome }, outcomeLine(a), a.note ? ' · ' + a.note : '')))) : null,
    leaseLine);
  return { el, leaseLine, paint, say };
}

// outcomesView: the one-tap outcomes of a call that did not get through,
// the agreed call-back time, and giving the task back.
function outcomesView({ id, task, lease, done }) {
  const c = task.customer || {};
  const outMsg = h('div', { class: 'err', id: 'cb-out-msg', role: 'alert' });
  const busy = (on) => { for (const b of outcomes.querySelectorAll('button')) b.disabled = on; };
  const attempt = async (outcome, extra = {}) => {
    outMsg.textContent = ''; laterErr.textContent = '';
    busy(true);
    try {
      const r = await api('POST', `/callbacks/${encodeURIComponent(id)}/attempts`, { body: { outcome, ...extra } });
      const n = c.name || task.workorder_id;
      if (r.status === 'unreachable') return done(t('cb_saved_closed', { n }));
      if (outcome === 'call_later') return done(t('cb_saved_later', { n, t: fmtWhen(extra.at) }));
      return done(t(outcome === 'busy' ? 'cb_saved_busy' : 'cb_saved_no_answer', { n, t: fmtWhen(r.next_attempt_at) }));
    } catch (e) {
      const f = e instanceof ApiError ? e.fields : null;
      if (f?.at) laterErr.textContent = f.at; else outMsg.textContent = errorText(e);
      if (lease.gone(e)) return;
    } finally { if (!lease.finished) busy(false); }
  };
  const laterInput = h('input', { type: 'datetime-local', name: 'call_at', id: 'cb-later-at', step: 300 });
  const laterErr = h('div', { class: 'err', id: 'cb-later-err', role: 'alert' });
  const now = new Date();
  const deadline = task.deadline_at ? new Date(task.deadline_at) : null;
  const deadlineText = deadline ? fmtTime(task.deadline_at) : '';
  // The server takes an agreed time after now and no later than the deadline
  // (callbacks.Attempt); only such times are offered. A minute's margin keeps
  // a pick from going stale while the agent reads it.
  const allowed = (d) => d.getTime() > Date.now() + 60000 && (!deadline || d <= deadline);
  laterInput.min = shLocal(now);
  if (deadline) laterInput.max = shLocal(deadline);
  const round5 = (ms) => new Date(Math.ceil(ms / 300000) * 300000);
  const dflt = round5(now.getTime() + 3600000);
  if (allowed(dflt)) laterInput.value = shLocal(dflt);
  else if (deadline && allowed(new Date(deadline.getTime() - 300000))) laterInput.value = shLocal(new Date(Math.floor((deadline.getTime() - 60000) / 300000) * 300000));
  const pick = (d) => () => { laterInput.value = shLocal(d); laterErr.textContent = ''; };
  const at = (days, hhmm) => fromShLocal(dayPlus(days) + 'T' + hhmm);
  const picks = [['cb_in_1h', 'in1h', new Date(Date.now() + 3600000)], ['cb_tonight', 'tonight', at(0, '19:00')], ['cb_tomorrow', 'tomorrow', at(1, '10:00')]]
    .filter(([, , d]) => allowed(d));
  const anyLeft = !deadline || deadline.getTime() > Date.now() + 5 * 60000; // room for at least one 5-minute step
  const laterBox = h('form', { class: 'cb-later', id: 'cb-later-form', hidden: true, novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    const d = fromShLocal(laterInput.value);
    if (!d || isNaN(d)) { laterErr.textContent = t('cb_later_need'); return; }
    if (deadline && d > deadline) { laterErr.textContent = t('cb_later_past', { t: deadlineText }); return; }
    attempt('call_later', { at: shISO(laterInput.value) });
  } },
  anyLeft ? null : h('p', { class: 'warnbox', id: 'cb-later-none' }, t('cb_later_none', { t: deadlineText })),
  anyLeft ? h('label', { class: 'field' }, h('span', null, t('cb_later_at')), laterInput,
    deadline ? h('span', { class: 'small muted', id: 'cb-later-until' }, t('cb_later_until', { t: deadlineText })) : null) : null,
  picks.length ? h('div', { class: 'row cb-picks' }, picks.map(([key, name, d]) =>
    h('button', { type: 'button', class: 'btn small', 'data-pick': name, 'data-at': d.toISOString(), onclick: pick(d) }, t(key)))) : null,
  laterErr,
  anyLeft ? h('button', { type: 'submit', class: 'btn primary', id: 'cb-later-save' }, t('cb_later_save')) : null);
  const closing = (outcome) => () => { if (confirm(t('cb_close_confirm'))) attempt(outcome); };
  // Before the tap: is this the last call the rules allow (the server says,
  // by the rule it closes tasks with)?
  const lastTry = task.last_try === true;
  const lastWhy = !lastTry ? ''
    : task.attempts_left != null && task.attempts_left <= 1 ? t('cb_last_try_limit', { n: task.attempts?.length || 0 })
      : t('cb_last_try_deadline', { t: deadlineText });
  const outcomes = h('section', { class: 'card cb-outcomes', 'data-last-try': String(lastTry) },
    h('h3', null, t('cb_outcomes')),
    lastTry ? h('p', { class: 'warnbox', id: 'cb-last-try', role: 'note' }, h('b', null, t('cb_last_try')), ' ', lastWhy)
      : task.attempts_left != null ? h('p', { class: 'small muted', id: 'cb-attempts-left' }, t('cb_attempts_left', { n: task.attempts_left })) : null,
    h('div', { class: 'cb-onetap' },
      h('button', { type: 'button', class: 'btn', id: 'cb-no-answer', onclick: () => attempt('no_answer') }, t('cb_no_answer')),
      h('button', { type: 'button', class: 'btn', id: 'cb-busy', onclick: () => attempt('busy') }, t('cb_busy')),
      h('button', { type: 'button', class: 'btn', id: 'cb-later', 'aria-controls': 'cb-later-form', onclick: () => openLater() }, t('cb_later'))),
    laterBox,
    h('details', { class: 'cb-more' }, h('summary', null, t('cb_more')),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn danger', id: 'cb-wrong-number', onclick: closing('wrong_number') }, t('cb_wrong_number')),
        h('button', { type: 'button', class: 'btn danger', id: 'cb-refused', onclick: closing('refused') }, t('cb_refused')))),
    outMsg,
    lease.holds() ? h('button', { type: 'button', class: 'btn small', id: 'cb-release', onclick: async () => {
      await lease.release(); flash = t('cb_released'); navigate('/');
    } }, t('cb_release')) : null);
  function openLater() { laterBox.hidden = false; laterInput.focus(); laterBox.scrollIntoView({ block: 'nearest' }); }
  return { el: outcomes, openLater, laterHidden: () => laterBox.hidden };
}

// scriptView: the 回访话术, its answers kept on the device while the call is
// open (a reload does not lose what the customer said). onChange runs after
// each answer.
function scriptView({ tpl, sheet, lease }, scriptKey, onChange) {
  const scriptBox = h('section', { class: 'cb-script' });
  if (!tpl) { scriptBox.append(h('p', { class: 'warnbox' }, t('cb_script_missing'))); return scriptBox; }
  scriptBox.append(h('h2', null, tx(tpl.title) || t('cb_script')));
  const holder = h('div', { class: 'checklist' });
  scriptBox.append(holder);
  let timer = null;
  renderChecklist(holder, {
    template: tpl, sheet, readOnly: !lease.canResult,
    onChange: () => {
      clearTimeout(timer);
      timer = setTimeout(() => db.kvSet(scriptKey, sheet.answers).catch(() => {}), 250);
      onChange();
    },
  });
  // Section help is what the agent says (the opening line); renderChecklist shows item help only.
  holder.querySelectorAll('section.sec').forEach((el, i) => {
    const say = tpl.sections?.[i]?.help;
    if (say) el.querySelector('h3')?.after(h('p', { class: 'cb-say' }, tx(say)));
  });
  return scriptBox;
}

// resultForm: satisfaction, reasons (required when unsatisfied), the 0–5
// score and a note, sent with the script's answers.
function resultForm({ id, task, lease, tpl, sheet, reasonList, done }) {
  const c = task.customer || {};
  const canResult = lease.canResult;
  let satisfaction = null;
  let score = null;
  // The 0–5 score is asked once: by the script's own question when the
  // script has one (its answer is the result's score), else in this form.
  const scriptScore = !!tpl?.sections?.some((sec) => sec.items?.some((it) => it.id === 'overall_score' && it.type === 'rating'));
  const satErr = h('div', { class: 'err', 'data-err': 'satisfaction', role: 'alert' });
  const reasonErr = h('div', { class: 'err', 'data-err': 'reasons', role: 'alert' });
  const scoreErr = h('div', { class: 'err', 'data-err': 'score_0_5', role: 'alert' });
  const noteErr = h('div', { class: 'err', 'data-err': 'note', role: 'alert' });
  const formMsg = h('div', { class: 'err', id: 'cb-result-msg', role: 'alert' });
  const seg = (name, values, label, pick) => h('div', { class: 'seg', role: 'radiogroup', 'data-field': name }, values.map((v) =>
    h('button', { type: 'button', class: 'segbtn', 'data-value': String(v), 'aria-pressed': 'false', disabled: !canResult, onclick: () => pick(v) }, label(v))));
  const paintSeg = (el, v) => el.querySelectorAll('.segbtn').forEach((b) => { const on = b.dataset.value === String(v); b.classList.toggle('on', on); b.setAttribute('aria-pressed', String(on)); });
  const satSeg = seg('satisfaction', SATISFACTION, (v) => t('cb_' + v), (v) => {
    satisfaction = satisfaction === v ? null : v;
    paintSeg(satSeg, satisfaction);
    satErr.textContent = '';
    reasonBox.classList.toggle('need', satisfaction === 'unsatisfied');
    if (satisfaction === 'unsatisfied') reasonBox.open = true;
  });
  const scoreSeg = scriptScore ? null : seg('score', [0, 1, 2, 3, 4, 5], String, (v) => setScore(score === v ? null : v));
  function setScore(v) { score = v; paintSeg(scoreSeg, v); scoreErr.textContent = ''; }
  const otherReason = h('input', { type: 'text', name: 'reason_other', maxlength: 200, disabled: !canResult, placeholder: t('cb_reason_other') });
  const reasonBox = h('details', { class: 'cb-reasons' },
    h('summary', null, t('cb_reasons')),
    h('p', { class: 'help' }, t('cb_reasons_help')),
    h('div', { class: 'cb-reason-list' }, reasonList.map((r) =>
      h('label', { class: 'cb-reason' }, h('input', { type: 'checkbox', name: 'reason', value: r, disabled: !canResult, onchange: () => { reasonErr.textContent = ''; } }), h('span', null, r)))),
    otherReason, reasonErr);
  const note = h('textarea', { name: 'note', rows: 3, maxlength: 2000, disabled: !canResult });
  const submit = h('button', { type: 'submit', class: 'btn primary big', id: 'cb-submit', disabled: !canResult }, t('cb_submit'));
  const chosenReasons = () => {
    const out = [...reasonBox.querySelectorAll('input[name=reason]:checked')].map((x) => x.value);
    const other = otherReason.value.trim();
    if (other) out.push(other);
    return out;
  };
  const form = h('form', { class: 'card cb-result', id: 'cb-result', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    formMsg.textContent = '';
    const rs = chosenReasons();
    let bad = false;
    if (!satisfaction) { satErr.textContent = t('cb_need_satisfaction'); bad = true; }
    if (satisfaction === 'unsatisfied' && !rs.length) { reasonErr.textContent = t('cb_need_reason'); reasonBox.open = true; bad = true; }
    if (bad) { formMsg.textContent = t('cb_check_fields'); form.querySelector('.err:not(:empty)')?.scrollIntoView({ block: 'center' }); return; }
    const answers = {};
    for (const [k, v] of Object.entries(sheet.answers)) if (v !== '' && v != null) answers[k] = v;
    const body = { satisfaction, reasons: rs, note: note.value.trim(), answers };
    const sc = scriptScore ? sheet.answers.overall_score : score;
    if (Number.isInteger(sc)) body.score_0_5 = sc;
    if (tpl) { body.template_id = tpl.id; body.template_version = tpl.version; }
    submit.disabled = true; submit.textContent = t('cb_sending');
    try {
      await api('POST', `/callbacks/${encodeURIComponent(id)}/result`, { body });
      await done(t('cb_saved_result', { n: c.name || task.workorder_id }));
    } catch (err) {
      const f = (err instanceof ApiError && err.fields) || {};
      const slot = { satisfaction: satErr, reasons: reasonErr, score_0_5: scoreErr, note: noteErr };
      for (const [k, v] of Object.entries(f)) (slot[k.replace(/\[\d+\]$/, '')] || formMsg).append(v + ' ');
      formMsg.textContent = Object.keys(f).length ? t('cb_check_fields') : errorText(err);
      submit.textContent = t('cb_submit');
      submit.disabled = lease.gone(err);
    }
  } },
  h('h3', null, t('cb_result')),
  h('div', { class: 'field' }, h('span', null, t('cb_satisfaction'), h('span', { class: 'req' }, ' *')), satSeg, satErr),
  reasonBox,
  scoreSeg ? h('div', { class: 'field' }, h('span', null, t('cb_score')), scoreSeg, scoreErr)
    : h('p', { class: 'small muted', id: 'cb-score-note' }, t('cb_score_from_script'), scoreErr),
  h('label', { class: 'field' }, h('span', null, t('cb_note')), note, noteErr),
  formMsg, submit);
  return form;
}

// resultView: a result already recorded, read-only.
function resultView(r) {
  return h('section', { class: 'card cb-result okbox', id: 'cb-done' },
    h('h3', null, t('cb_result')),
    h('p', null, h('b', null, t('cb_' + r.satisfaction)), r.score_0_5 != null ? ` · ${t('cb_score')} ${r.score_0_5}` : ''),
    r.reasons?.length ? h('p', null, t('cb_reasons') + ': ' + r.reasons.join('、')) : null,
    r.note ? h('p', null, r.note) : null,
    h('p', { class: 'small' }, t('cb_result_by', { u: nameOf('person', r.by), t: fmtTime(r.at) })));
}

// appointmentText: "11-23 09:00–11:00", the date again only when the window crosses midnight.
function appointmentText(ap) {
  const to = ap.to ? '–' + fmtTime(ap.to, shDay(new Date(ap.to)) !== shDay(new Date(ap.from))) : '';
  return fmtTime(ap.from) + to;
}

function backRow() {
  return h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small', id: 'cb-back' }, '← ' + t('cb_back')));
}

register({
  roles: ['agent'],
  home: agentHome,
  routes: [[/^\/agent\/call\/([^/]+)$/, agentCall]],
});

