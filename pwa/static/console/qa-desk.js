// The QA reviewer's desk (品质保障员, seed 001): the day's queue the server
// drew, one call's review on the 《客户代表监听记录表》, the reports and the
// calibration sessions. Online only: every step is a server call.
import { h, toast } from '../js/dom.js';
import { addStrings, t, tx, fmtTime } from '../js/i18n.js';
import { api, authedFetch, ApiError } from '../js/api.js';
import { MODES, person, pct, style } from './qa-words.js';
import { today } from '../js/shtime.js';

addStrings({
  qa_day: '今日监听', qa_done_of: '已完成 {d} / {q}', qa_start: '开始监听', qa_reviewed: '已监听',
  qa_queue_empty: '近 7 天没有可监听的通话', qa_mix: '本月监听方式（目标 即席:远程:录音 = 2:7:1）', qa_mix_target: '目标 {p}%',
  qa_next_mode: '下一通建议：{m}', qa_on_target: '本月比例达标', qa_off_target: '本月比例未达标',
  qa_reports: '监控报表', qa_cal: '校准', qa_back: '← 返回今日监听',
  qa_call: '被监听的通话', qa_type: '来电类型', qa_outcome: '回访结果', qa_finished: '完工', qa_called: '通话时间',
  qa_attempts: '拨打记录', qa_no_attempts: '无未接通记录', qa_script_answers: '话术记录', qa_note: '坐席备注', qa_reasons: '不满意原因',
  qa_sheet: '客户代表监听记录表', qa_pass: '合格', qa_fail: '不合格', qa_na: '不适用', qa_total: '得分',
  qa_improvement_help: '有扣分项时必填；坐席会在自己的页面看到', qa_audio_file: '上传录音（可选）', qa_audio_url: '或录音链接（可选）',
  qa_submit: '提交监听记录', qa_sending: '提交中…', qa_saved: '监听记录已提交', qa_check: '请检查标红的项目', qa_required: '请选择',
  qa_already: '您已监听过这通电话',
  qa_daily: '日报', qa_weekly: '周报', qa_monthly: '月报', qa_date: '日期', qa_xlsx: '下载 Excel',
  qa_count: '监控个数', qa_avg: '平均分', qa_modes: '监听方式', qa_types: '来电类型分类', qa_agents: '坐席成绩',
  qa_min: '最低', qa_max: '最高', qa_suggestions: '改进建议记录', qa_items: '各项分值分析', qa_lost_rate: '扣分率',
  qa_training: '培训需求', qa_plan: '下期监控计划及重点', qa_focus_agents: '重点坐席', qa_focus_items: '重点项目',
  qa_plan_reviews: '计划监控 {n} 个', qa_weeks: '各周改进状况', qa_none: '无',
  qa_cal_title: '校准会', qa_cal_new: '新建校准会', qa_cal_name: '名称', qa_cal_calls: '校准的通话（从今日队列中选）',
  qa_cal_reviewers: '参加人员', qa_cal_tol: '允许偏差（分）', qa_cal_create: '创建',
  qa_cal_median: '中位数', qa_cal_retrain: '需再培训', qa_cal_ok: '全部在允许偏差内', qa_cal_score: '为这通电话打分',
  qa_cal_scored: '已打分', qa_cal_pending: '尚有人员未打分', qa_cal_dev: '最大偏差', qa_cal_who: '监听人员',
}, {
  qa_day: "Today's reviews", qa_done_of: '{d} of {q} done', qa_start: 'Review', qa_reviewed: 'Reviewed',
  qa_queue_empty: 'No calls to review in the last 7 days', qa_mix: 'Modes this month (target 2:7:1)', qa_mix_target: 'target {p}%',
  qa_next_mode: 'Next: {m}', qa_on_target: 'On target this month', qa_off_target: 'Off target this month',
  qa_reports: 'Reports', qa_cal: 'Calibration', qa_back: "← Today's reviews",
  qa_call: 'The call', qa_type: 'Call type', qa_outcome: 'Result', qa_finished: 'Job finished', qa_called: 'Called',
  qa_attempts: 'Attempts', qa_no_attempts: 'No unanswered attempts', qa_script_answers: 'Script answers', qa_note: "Agent's note", qa_reasons: 'Reasons',
  qa_sheet: 'Agent call monitoring record', qa_pass: 'Pass', qa_fail: 'Fail', qa_na: 'N/A', qa_total: 'Score',
  qa_improvement_help: 'Required when points were lost; the agent reads it', qa_audio_file: 'Upload the recording (optional)', qa_audio_url: 'or a link to it (optional)',
  qa_submit: 'Submit review', qa_sending: 'Sending…', qa_saved: 'Review submitted', qa_check: 'Check the fields in red', qa_required: 'Choose one',
  qa_already: 'You have already reviewed this call',
  qa_daily: 'Daily', qa_weekly: 'Weekly', qa_monthly: 'Monthly', qa_date: 'Date', qa_xlsx: 'Download Excel',
  qa_count: 'Reviews', qa_avg: 'Average', qa_modes: 'Modes', qa_types: 'Call types', qa_agents: 'Agents',
  qa_min: 'Min', qa_max: 'Max', qa_suggestions: 'Improvement notes', qa_items: 'Items', qa_lost_rate: 'Lost on',
  qa_training: 'Training needs', qa_plan: 'Plan for the next period', qa_focus_agents: 'Agents to watch', qa_focus_items: 'Items to listen for',
  qa_plan_reviews: '{n} reviews planned', qa_weeks: 'Week by week', qa_none: 'None',
  qa_cal_title: 'Calibration', qa_cal_new: 'New session', qa_cal_name: 'Title', qa_cal_calls: 'Calls to calibrate (from today\'s queue)',
  qa_cal_reviewers: 'Reviewers', qa_cal_tol: 'Tolerance (points)', qa_cal_create: 'Create',
  qa_cal_median: 'Median', qa_cal_retrain: 'Retrain', qa_cal_ok: 'Everyone within the tolerance', qa_cal_score: 'Score this call',
  qa_cal_scored: 'Scored', qa_cal_pending: 'Some have not scored yet', qa_cal_dev: 'Largest deviation', qa_cal_who: 'Reviewer',
});

const outcome = (o) => t('qa_out_' + o);
const typeWord = (x) => t('type_' + x);
let dayCache = null;

function errText(e) {
  // A 404 names what it did not find by its id: say only that it is not
  // there (or not in the caller's units), never the raw id.
  if (e instanceof ApiError) return e.status === 404 ? t('not_found') : e.body?.error?.message || t('error');
  return t('server_unreachable');
}

function nav() {
  return h('div', { class: 'row' },
    h('a', { href: '/', 'data-link': '', class: 'btn small', id: 'qa-nav-day' }, t('qa_day')),
    h('a', { href: '/qa/reports', 'data-link': '', class: 'btn small', id: 'qa-nav-reports' }, t('qa_reports')),
    h('a', { href: '/qa/cal', 'data-link': '', class: 'btn small', id: 'qa-nav-cal' }, t('qa_cal')));
}

function mixView(mix) {
  return h('section', { class: 'card', id: 'qa-mix', 'data-next': mix.next, 'data-total': String(mix.total) },
    h('h3', null, t('qa_mix')),
    h('div', { class: 'qa-mix' }, mix.modes.map((m) => h('div', { 'data-mode': m.mode, 'data-count': String(m.count) },
      h('b', null, `${t('qa_mode_' + m.mode)} ${m.count}`), ' ',
      h('span', { class: 'small muted' }, `${Math.round(m.share * 100)}% · ${t('qa_mix_target', { p: Math.round(m.target * 100) })}`),
      h('div', { class: 'qa-bar' }, h('i', { style: `width:${Math.round(m.share * 100)}%` }), h('b', { style: `left:${Math.round(m.target * 100)}%` }))))),
    h('p', { class: 'small' }, mix.on_target ? t('qa_on_target') : t('qa_off_target'), ' · ', t('qa_next_mode', { m: t('qa_mode_' + mix.next) })));
}

export async function qaDay(ui) {
  style();
  const main = ui.main;
  let day;
  try {
    day = await api('GET', '/qa/day');
  } catch (e) {
    main.append(h('p', { class: 'err' }, errText(e)));
    return;
  }
  dayCache = day;
  const items = day.items.map((it) => h('div', { class: 'card qa-item' + (it.review_id ? ' done' : ''), 'data-task': it.task_id, 'data-agent': it.agent },
    h('div', null,
      h('b', null, person(it.agent)), ' · ', typeWord(it.order_type), ' · ', outcome(it.outcome),
      h('div', { class: 'small muted' }, t('qa_finished') + ' ' + fmtTime(it.finished_at))),
    it.review_id
      ? h('span', null, t('qa_reviewed') + ' · ', t('qa_points', { n: pct(it.percent) }))
      : h('a', { class: 'btn primary small qa-open', href: '/qa/call/' + encodeURIComponent(it.task_id), 'data-link': '' }, t('qa_start'))));
  main.append(h('div', { class: 'qa-wrap', id: 'qa-day' },
    h('div', { class: 'row between' }, h('h2', null, t('qa_day') + ' ' + day.day),
      h('b', { id: 'qa-progress', 'data-done': String(day.done), 'data-quota': String(day.quota) }, t('qa_done_of', { d: day.done, q: day.quota }))),
    nav(),
    mixView(day.mix),
    items.length ? h('div', { class: 'qa-items', id: 'qa-queue' }, items) : h('p', { class: 'muted', id: 'qa-queue' }, t('qa_queue_empty'))));
}

// callView shows the call as the agent left it.
export function callView(call, script) {
  const labels = {};
  for (const s of script?.sections || []) for (const it of s.items) labels[it.id] = it;
  const ans = call.result?.answers || {};
  const answerText = (it, v) => {
    if (!it) return String(v);
    if (it.choices) return tx(it.choices.find((c) => c.id === v)?.label) || String(v);
    if (v === true) return t('answer_yes');
    if (v === false) return t('answer_no');
    return String(v);
  };
  return h('section', { class: 'card', id: 'qa-callview' },
    h('h3', null, t('qa_call')),
    h('p', null, h('b', null, person(call.agent)), ' · ', typeWord(call.order_type), ' · ', outcome(call.outcome)),
    h('p', { class: 'small muted' }, `${t('qa_finished')} ${fmtTime(call.finished_at)} · ${t('qa_called')} ${fmtTime(call.called_at)}`),
    h('h4', null, t('qa_attempts')),
    call.attempts?.length
      ? h('ol', { class: 'qa-timeline' }, call.attempts.map((a) => h('li', null, `${fmtTime(a.at)} ${t('cb_out_' + a.outcome)}${a.note ? ' · ' + a.note : ''}`)))
      : h('p', { class: 'small muted' }, t('qa_no_attempts')),
    call.result ? [
      call.result.reasons?.length ? h('p', null, t('qa_reasons') + '：' + call.result.reasons.join('、')) : null,
      Object.keys(ans).length ? [h('h4', null, t('qa_script_answers')),
        h('ul', null, Object.entries(ans).filter(([, v]) => v !== null && v !== '').map(([k, v]) => h('li', null, `${tx(labels[k]?.label) || k}：${answerText(labels[k], v)}`)))] : null,
      call.result.note ? h('p', null, t('qa_note') + '：' + call.result.note) : null,
    ] : null);
}

// sheetForm renders the call_review template: one pass/fail/na per scored
// item, text items as text; get() returns the answers, mark(fields) the errors.
export function sheetForm(tpl, onChange) {
  const answers = {};
  const rows = {};
  const body = h('div', { class: 'qa-sheet' });
  for (const s of tpl.sections) {
    body.append(h('h4', null, tx(s.title)));
    for (const it of s.items) {
      const err = h('div', { class: 'err small' });
      if (it.type === 'pass_fail') {
        const seg = h('div', { class: 'seg', 'data-item': it.id });
        for (const v of ['pass', 'fail', 'na']) {
          seg.append(h('button', { type: 'button', class: 'segbtn', 'data-v': v, onclick: (ev) => {
            answers[it.id] = v;
            for (const b of seg.children) b.classList.toggle('on', b === ev.currentTarget);
            err.textContent = '';
            onChange?.(answers);
          } }, t('qa_' + v) + (v === 'fail' && it.score ? ` −${it.score.max}` : '')));
        }
        rows[it.id] = err;
        body.append(h('div', { class: 'qa-row', id: 'qa-item-' + it.id }, h('span', null, tx(it.label), it.critical ? ' ⚠' : '',
          it.help ? h('div', { class: 'small muted' }, tx(it.help)) : null), seg, err));
      } else if (it.type === 'text') {
        const ta = h('textarea', { rows: 2, 'data-item': it.id, oninput: () => { answers[it.id] = ta.value.trim() || null; } });
        rows[it.id] = err;
        body.append(h('label', { class: 'field' }, h('span', null, tx(it.label)), ta, err));
      }
    }
  }
  return {
    el: body,
    get: () => Object.fromEntries(Object.entries(answers).filter(([, v]) => v != null)),
    // all: pass every item not answered yet (the usual case), for speed.
    mark(fields) {
      for (const [k, msg] of Object.entries(fields || {})) {
        const id = k.replace(/^answers\./, '');
        if (rows[id]) rows[id].textContent = msg;
      }
    },
  };
}

// liveScore mirrors checklists.Score for pass_fail items.
function liveScore(tpl, answers) {
  let max = 0, ded = 0;
  for (const s of tpl.sections) for (const it of s.items) {
    if (!it.score || it.type !== 'pass_fail') continue;
    const v = answers[it.id];
    if (v == null || v === 'na') continue;
    max += it.score.max;
    if (v === 'fail') ded += it.score.max;
  }
  return max ? (100 * (max - ded)) / max : null;
}

export async function qaReview(ui, taskID) {
  style();
  const main = ui.main;
  let call, tpl, script;
  try {
    [call, tpl, script] = await Promise.all([api('GET', '/qa/calls/' + encodeURIComponent(taskID)), api('GET', '/templates/call_review'),
      api('GET', '/templates/callback_script').catch(() => null)]);
  } catch (e) {
    main.append(nav(), h('p', { class: 'err' }, errText(e)));
    return;
  }
  const next = dayCache?.mix?.next || 'remote';
  let mode = next;
  const modeSeg = h('div', { class: 'seg', id: 'qa-mode' }, MODES.map((m) => h('button', { type: 'button', class: 'segbtn' + (m === mode ? ' on' : ''), 'data-v': m,
    onclick: (ev) => { mode = m; for (const b of modeSeg.children) b.classList.toggle('on', b === ev.currentTarget); } }, t('qa_mode_' + m))));
  const total = h('span', { class: 'qa-score', id: 'qa-total' }, '—');
  const sheet = sheetForm(tpl, (a) => { const p = liveScore(tpl, a); total.textContent = p == null ? '—' : t('qa_points', { n: pct(p) }); });
  const improvement = h('textarea', { rows: 3, id: 'qa-improvement' });
  const impErr = h('div', { class: 'err small' });
  const audio = h('input', { type: 'file', accept: 'audio/*', id: 'qa-audio' });
  const audioURL = h('input', { type: 'url', id: 'qa-audio-url', placeholder: 'https://' });
  const msg = h('div', { class: 'err', role: 'alert', id: 'qa-msg' });
  const submit = h('button', { type: 'button', class: 'btn primary big', id: 'qa-submit' }, t('qa_submit'));
  submit.addEventListener('click', async () => {
    submit.disabled = true; submit.textContent = t('qa_sending'); msg.textContent = ''; impErr.textContent = '';
    try {
      const r = await api('POST', '/qa/reviews', { body: { task_id: call.task_id, mode, template_id: tpl.id, answers: sheet.get(),
        improvement: improvement.value, audio_url: audioURL.value.trim() || undefined } });
      const f = audio.files?.[0];
      if (f) await authedFetch('/qa/reviews/' + encodeURIComponent(r.id) + '/audio', { method: 'PUT', body: f, headers: { 'Content-Type': f.type || 'audio/mpeg' } });
      toast(t('qa_saved'));
      ui.navigate('/');
    } catch (e) {
      const fields = e instanceof ApiError ? e.body?.error?.fields : null;
      if (fields) {
        sheet.mark(fields);
        if (fields.improvement) impErr.textContent = fields.improvement;
        msg.textContent = t('qa_check');
      } else msg.textContent = e instanceof ApiError && e.status === 409 ? t('qa_already') : errText(e);
    } finally { submit.disabled = false; submit.textContent = t('qa_submit'); }
  });
  main.append(h('div', { class: 'qa-wrap', id: 'qa-review' },
    h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, t('qa_back'))),
    h('div', { class: 'qa-split' },
      callView(call, script),
      h('section', { class: 'card' },
        h('div', { class: 'row between' }, h('h3', null, tx(tpl.title)), total),
        h('div', { class: 'field' }, h('span', null, t('qa_mode')), modeSeg),
        sheet.el,
        h('label', { class: 'field' }, h('span', null, t('qa_improvement') + '（' + t('qa_improvement_help') + '）'), improvement, impErr),
        h('label', { class: 'field' }, h('span', null, t('qa_audio_file')), audio),
        h('label', { class: 'field' }, h('span', null, t('qa_audio_url')), audioURL),
        msg, submit))));
}

function table(head, rows, id) {
  return h('div', { class: 'qa-scroll' }, h('table', { class: 'qa-table', id },
    h('thead', null, h('tr', null, head.map((x) => h('th', null, x)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c)))))));
}

export async function qaReports(ui) {
  style();
  const main = ui.main;
  let period = 'daily';
  const date = h('input', { type: 'date', id: 'qa-rep-date', value: today() });
  const out = h('div', { id: 'qa-report' });
  const seg = h('div', { class: 'seg', id: 'qa-period' }, ['daily', 'weekly', 'monthly'].map((p) => h('button', { type: 'button', class: 'segbtn' + (p === period ? ' on' : ''), 'data-v': p,
    onclick: (ev) => { period = p; for (const b of seg.children) b.classList.toggle('on', b === ev.currentTarget); load(); } }, t('qa_' + p))));
  const xlsx = h('button', { type: 'button', class: 'btn small', id: 'qa-xlsx' }, t('qa_xlsx'));
  xlsx.addEventListener('click', async () => {
    try {
      const res = await authedFetch(`/qa/reports/${period}?date=${date.value}&format=xlsx`);
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
      const url = URL.createObjectURL(await res.blob());
      const a = h('a', { href: url, download: `qa-${period}-${date.value}.xlsx` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 5000);
    } catch (e) { toast(errText(e)); }
  });
  date.addEventListener('change', () => load());
  main.append(h('div', { class: 'qa-wrap' }, h('h2', null, t('qa_reports')), nav(),
    h('div', { class: 'row' }, seg, h('label', null, t('qa_date') + ' ', date), xlsx), out));
  async function load() {
    out.replaceChildren(h('p', { class: 'muted' }, t('loading')));
    let r;
    try { r = await api('GET', `/qa/reports/${period}?date=${date.value}`); } catch (e) { out.replaceChildren(h('p', { class: 'err' }, errText(e))); return; }
    const labels = Object.fromEntries((r.items || []).map((it) => [it.item_id, tx(it.label)]));
    out.replaceChildren(
      h('section', { class: 'card', id: 'qa-rep-summary', 'data-count': String(r.count) },
        h('h3', null, `${t('qa_' + r.period)} ${r.from}${r.to !== r.from ? ' – ' + r.to : ''}`),
        h('p', null, `${t('qa_count')} ${r.count} · ${t('qa_avg')} ${pct(r.avg)}`),
        h('p', null, t('qa_modes') + '：' + MODES.map((m) => `${t('qa_mode_' + m)} ${r.modes[m] || 0}`).join(' · ')),
        h('p', null, t('qa_types') + '：' + (Object.entries(r.call_types).map(([k, n]) => `${typeWord(k)} ${n}`).join(' · ') || t('qa_none')))),
      mixView(r.mix),
      h('section', { class: 'card' }, h('h3', null, t('qa_agents')),
        table([t('qa_agent'), t('qa_count'), t('qa_avg'), t('qa_min'), t('qa_max')], r.agents.map((a) => [a.agent_name || person(a.agent), a.count, pct(a.avg), pct(a.min), pct(a.max)]), 'qa-rep-agents')),
      h('section', { class: 'card' }, h('h3', null, t('qa_suggestions')),
        r.suggestions.length ? h('ul', null, r.suggestions.map((s) => h('li', null, `${s.day} ${s.agent_name || person(s.agent)}（${pct(s.percent)}）：${s.text}`))) : h('p', { class: 'muted' }, t('qa_none'))),
      r.items ? h('section', { class: 'card' }, h('h3', null, t('qa_items')),
        table([t('qa_sheet'), t('qa_lost_rate'), t('qa_avg')], r.items.map((it) => [tx(it.label), `${Math.round(it.lost_rate * 100)}%（${it.lost}/${it.judged}）`, `${it.avg_score}/${it.max}`]), 'qa-rep-items')) : null,
      r.training_needs ? h('section', { class: 'card', id: 'qa-rep-training' }, h('h3', null, t('qa_training')),
        r.training_needs.length ? h('ul', null, r.training_needs.map((n) => h('li', null, `${tx(n.label)}：${n.agents.map(person).join('、')}`))) : h('p', { class: 'muted' }, t('qa_none'))) : null,
      r.plan ? h('section', { class: 'card', id: 'qa-rep-plan' }, h('h3', null, t('qa_plan')),
        h('p', null, t('qa_plan_reviews', { n: r.plan.reviews }) + ' · ' + MODES.map((m) => `${t('qa_mode_' + m)} ${r.plan.modes[m] || 0}`).join(' · ')),
        h('p', null, t('qa_focus_agents') + '：' + (r.plan.focus_agents.map(person).join('、') || t('qa_none'))),
        h('p', null, t('qa_focus_items') + '：' + (r.plan.focus_items.map((i) => labels[i] || '').join('；') || t('qa_none')))) : null,
      r.weeks ? h('section', { class: 'card' }, h('h3', null, t('qa_weeks')),
        table([t('qa_date'), t('qa_count'), t('qa_avg')], r.weeks.map((w) => [`${w.from} – ${w.to}`, w.count, pct(w.avg)]))) : null);
  }
  load();
}

export async function qaCalibrations(ui) {
  style();
  const main = ui.main;
  let list = [];
  try { list = (await api('GET', '/qa/calibrations')).items; } catch (e) { main.append(nav(), h('p', { class: 'err' }, errText(e))); return; }
  const day = dayCache || await api('GET', '/qa/day').catch(() => ({ items: [] }));
  const title = h('input', { id: 'qa-cal-title', value: '' });
  const people = (await api('GET', '/qa/reviewers').catch(() => ({ items: [] }))).items;
  const who = people.map((p) => h('label', { class: 'row' }, h('input', { type: 'checkbox', value: p.username, 'data-who': '' }), p.name || person(p.username)));
  const tol = h('input', { id: 'qa-cal-tol', type: 'number', value: '5', min: '1', max: '50' });
  const picks = day.items.slice(0, 10).map((it) => h('label', { class: 'row' }, h('input', { type: 'checkbox', value: it.task_id }),
    `${person(it.agent)} · ${typeWord(it.order_type)} · ${outcome(it.outcome)}`));
  const msg = h('div', { class: 'err', role: 'alert' });
  const create = h('button', { type: 'button', class: 'btn primary', id: 'qa-cal-create' }, t('qa_cal_create'));
  create.addEventListener('click', async () => {
    msg.textContent = '';
    try {
      const c = await api('POST', '/qa/calibrations', { body: { title: title.value, tolerance: Number(tol.value),
        task_ids: picks.map((p) => p.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
        reviewers: who.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value) } });
      ui.navigate('/qa/cal/' + encodeURIComponent(c.id));
    } catch (e) {
      const f = e instanceof ApiError ? e.body?.error?.fields : null;
      msg.textContent = f ? Object.values(f).join('；') : errText(e);
    }
  });
  main.append(h('div', { class: 'qa-wrap' }, h('h2', null, t('qa_cal_title')), nav(),
    list.length ? h('div', { class: 'cards' }, list.map((c) => h('a', { class: 'card', href: '/qa/cal/' + encodeURIComponent(c.id), 'data-link': '' },
      h('b', null, c.title), ' · ', fmtTime(c.created_at), c.outcome.retrain.length ? h('span', { class: 'err' }, ` · ${t('qa_cal_retrain')} ${c.outcome.retrain.length}`) : null))) : null,
    h('section', { class: 'card' }, h('h3', null, t('qa_cal_new')),
      h('label', { class: 'field' }, h('span', null, t('qa_cal_name')), title),
      h('div', { class: 'field' }, h('span', null, t('qa_cal_calls')), picks),
      h('div', { class: 'field', id: 'qa-cal-who' }, h('span', null, t('qa_cal_reviewers')), who),
      h('label', { class: 'field' }, h('span', null, t('qa_cal_tol')), tol), msg, create)));
}

export async function qaCalibration(ui, id) {
  style();
  const main = ui.main;
  let c, tpl;
  try { [c, tpl] = await Promise.all([api('GET', '/qa/calibrations/' + encodeURIComponent(id)), api('GET', '/templates/call_review')]); } catch (e) {
    main.append(nav(), h('p', { class: 'err' }, errText(e))); return;
  }
  const me = (await import('../js/api.js')).currentSession()?.user?.username;
  const o = c.outcome;
  const calls = o.calls.map((call, i) => {
    const mine = c.scores?.[me]?.[call.task_id];
    const box = h('div');
    if (c.reviewers.includes(me) && !mine) {
      const sheet = sheetForm(tpl);
      const msg = h('div', { class: 'err' });
      const btn = h('button', { type: 'button', class: 'btn primary small' }, t('qa_cal_score'));
      btn.addEventListener('click', async () => {
        try { await api('POST', `/qa/calibrations/${encodeURIComponent(c.id)}/scores`, { body: { task_id: call.task_id, answers: sheet.get() } }); ui.render(); } catch (e) {
          const f = e instanceof ApiError ? e.body?.error?.fields : null;
          if (f) { sheet.mark(f); msg.textContent = t('qa_check'); } else msg.textContent = errText(e);
        }
      });
      box.append(h('details', null, h('summary', null, t('qa_cal_score')), sheet.el, msg, btn));
    }
    const listen = h('details', { class: 'qa-cal-call' }, h('summary', null, t('qa_call')));
    listen.addEventListener('toggle', async () => {
      if (!listen.open || listen.dataset.loaded) return;
      listen.dataset.loaded = '1';
      try { listen.append(callView(await api('GET', '/qa/calls/' + encodeURIComponent(call.task_id)))); } catch (e) { listen.append(h('p', { class: 'err' }, errText(e))); }
    });
    box.prepend(listen);
    return h('section', { class: 'card', 'data-task': call.task_id }, h('h3', null, `#${i + 1}`),
      h('p', null, `${t('qa_cal_median')} ${call.median == null ? '—' : pct(call.median)}`, mine ? ` · ${t('qa_cal_scored')} ${pct(mine.percent)}` : ''), box);
  });
  main.append(h('div', { class: 'qa-wrap', id: 'qa-cal' }, h('h2', null, c.title), nav(),
    h('section', { class: 'card' },
      h('p', null, o.complete ? '' : t('qa_cal_pending')),
      table([t('qa_cal_who'), t('qa_cal_scored'), t('qa_cal_dev'), t('qa_cal_retrain')],
        o.reviewers.map((r) => [person(r.reviewer), r.scored, pct(r.max_deviation), r.retrain ? '✗ ' + t('qa_cal_retrain') : r.scored ? '✓' : '—'])),
      h('p', { class: o.retrain.length ? 'err' : 'okbox', id: 'qa-cal-result' }, o.retrain.length ? `${t('qa_cal_retrain')}：${o.retrain.map(person).join('、')}` : t('qa_cal_ok'))),
    calls));
}
