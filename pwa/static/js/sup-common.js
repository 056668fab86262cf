// Shared parts of the supervisor's screens: their words, Asia/Shanghai
// dates, small hand-drawn SVG charts, photos through file tokens and report
// downloads. Loaded only when a supervisor or admin opens a screen.
import { h, toast } from './dom.js';
import { addStrings, t, getLang } from './i18n.js';
import { api, authedFetch, ApiError } from './api.js';
import './cb-words.js';
import { shDay, today } from './shtime.js';
import { svg as s } from './dom.js';

addStrings({
  sup_title: '主管看板', sup_online_only: '看板需要联网：报表由服务器计算。',
  sup_cached: '当前离线，显示 {t} 加载的数据。', sup_no_cache: '当前离线，本机还没有保存过看板数据。',
  sup_loaded: '数据更新于 {t}', sup_refresh: '刷新', sup_loading: '正在加载报表…',
  g_day: '按日', g_week: '按周', g_month: '按月', sup_from: '从', sup_to: '到', sup_unit: '单位', sup_all_units: '全部单位',
  sup_period: '统计周期 {p}', k_completed: '完工需回访', k_done: '已回访', k_coverage: '回访覆盖率',
  k_same_day: '当天回访率', k_within3: '三天内回访率', k_satisfaction: '满意度',
  k_sat_detail: '非常满意 {v} · 满意 {s} · 不满意 {u}', k_unreachable: '无法联系 {n}',
  c_callbacks: '回访覆盖率与当天回访率', c_satisfaction: '满意度趋势', c_reasons: '主要不满意原因',
  c_reasons_none: '本周期没有不满意的回访', c_stores: '营业厅评分与等级', c_techs: '装维人员规范执行',
  c_flags: '需复核的记录', c_rects: '未完成的整改', c_fines: '本月代理公司扣罚', c_orders: '工单查询',
  c_no_data: '本期没有数据', tap_bar: '点击图中的周期查看其数字',
  st_store: '营业厅', st_inspections: '检查次数', st_score: '得分', st_grade: '等级', st_fines: '扣罚（元）', st_failed: '否决项',
  grade_excellent: '优秀', grade_good: '良好', grade_improve: '待改进', grade_fail: '不合格',
  te_name: '装维人员', te_sheets: '验收单', te_shoe: '穿鞋套', te_speed_rec: '已测速', te_speed_ok: '测速达标',
  te_photos: '照片齐全', te_flagged: '异常', te_sat: '满意度',
  fl_photo_reused: '照片重复使用', fl_clock_skew: '手机时间偏差', fl_speed_below_subscribed: '速率低于签约',
  fl_edited_after_signature: '签字后修改', fl_this: '本单照片', fl_other: '另一份记录的照片',
  fl_other_wo: '另一份记录：工单 {id}', fl_other_store: '另一份记录：{n} 的巡检', fl_a_store: '另一门店', fl_no_access: '其他单位的记录，无权查看', fl_skew: '手机时钟与服务器相差 {m} 分钟',
  fl_edit_v: '第 {v} 版在客户签字后修改', fl_near: '近似照片（差异 {d}）', fl_same: '同一张照片', fl_none: '本期没有需复核的记录',
  fl_more: '另有 {n} 条未展开', rc_none: '没有未完成的整改', rc_due: '期限 {t}', rc_overdue: '已逾期',
  src_callback: '回访不满意', src_walkthrough: '营业厅巡检', src_spotcheck: '入户抽查',
  fi_unit: '单位', fi_spot: '入户抽查扣罚', fi_walk: '营业厅扣罚', fi_total: '合计', fi_capped: '已封顶',
  dl_xlsx: '下载 Excel', dl_csv: '下载 CSV', dl_failed: '下载失败：{e}', dl_done: '已下载 {f}',
  wo_list: '近期工单', wo_search: '搜索工单号、客户、地址、装维人员', wo_none: '没有匹配的工单', wo_more: '仅显示前 {n} 条，请缩小搜索范围',
  wo_detail: '工单详情', wo_status_assigned: '待完工', wo_status_completed: '已完工', wo_status_cancelled: '已取消', wo_status_on_hold: '缓装中', wo_late: '已超时',
  wo_tech: '装维人员', wo_completed_at: '完工时间', wo_no_sheet: '这张工单还没有验收单',
  wo_sheet: '客户验收单', wo_spotcheck: '入户抽查', wo_versions: '版本', wo_version_n: '第 {v} 版', wo_latest: '（最新）',
  wo_received: '服务器收到', wo_author: '填写人', wo_missing: '缺少 {n} 张照片', wo_complete: '照片齐全',
  wo_passed: '合格', wo_failed: '未通过', wo_changed: '与上一版不同', wo_photos: '照片', wo_no_photos: '无照片',
  wo_speed_cmp: '实测下行 {d} Mbps，签约 {s} Mbps，门限 {th} Mbps', wo_callback: '回访记录', wo_no_callback: '还没有回访任务',
  wo_cb_not_due: '工单完工后才会生成回访任务', cb_channel_sms: '短信', cb_channel_manual: '人工',
  cb_due: '当天期限 {t}', cb_deadline: '最迟 {t}', cb_attempts: '拨打记录', cb_no_attempts: '没有拨打记录',
  sat_very_satisfied: '非常满意', sat_satisfied: '满意', sat_unsatisfied: '不满意', cb_result: '回访结果', cb_score: '评分 {n}/5',
  cb_by: '{who} 于 {t}', cb_survey: '短信答复', open_wo: '查看工单', photo_unavailable: '图片无法显示', rect_link: '查看整改单',
  need_online_detail: '查看工单详情需要联网。',
}, {
  sup_title: 'Supervisor dashboard', sup_online_only: 'The dashboard needs a connection: reports are computed on the server.',
  sup_cached: 'Offline: showing figures loaded at {t}.', sup_no_cache: 'Offline, and no dashboard figures are saved on this device yet.',
  sup_loaded: 'Figures as of {t}', sup_refresh: 'Refresh', sup_loading: 'Loading reports…',
  g_day: 'Daily', g_week: 'Weekly', g_month: 'Monthly', sup_from: 'From', sup_to: 'To', sup_unit: 'Unit', sup_all_units: 'All units',
  sup_period: 'Period {p}', k_completed: 'Jobs needing callback', k_done: 'Called back', k_coverage: 'Callback coverage',
  k_same_day: 'Same-day rate', k_within3: 'Within-3-days rate', k_satisfaction: 'Satisfaction',
  k_sat_detail: 'very {v} · satisfied {s} · unsatisfied {u}', k_unreachable: 'unreachable {n}',
  c_callbacks: 'Callback coverage and same-day rate', c_satisfaction: 'Satisfaction trend', c_reasons: 'Top reasons for dissatisfaction',
  c_reasons_none: 'No unsatisfied callbacks in this period', c_stores: 'Store scores and grades', c_techs: 'Technician compliance',
  c_flags: 'Flagged submissions', c_rects: 'Open rectifications', c_fines: 'Agency fines this month', c_orders: 'Find a work order',
  c_no_data: 'No data for this range', tap_bar: 'Tap a period in the chart to see its figures',
  st_store: 'Store', st_inspections: 'Inspections', st_score: 'Score', st_grade: 'Grade', st_fines: 'Fines (yuan)', st_failed: 'Critical fails',
  grade_excellent: 'Excellent', grade_good: 'Good', grade_improve: 'Needs improvement', grade_fail: 'Fail',
  te_name: 'Technician', te_sheets: 'Sheets', te_shoe: 'Shoe covers', te_speed_rec: 'Speed test recorded', te_speed_ok: 'Speed test passed',
  te_photos: 'Photos complete', te_flagged: 'Flagged', te_sat: 'Satisfaction',
  fl_photo_reused: 'Photo reused', fl_clock_skew: 'Clock skew', fl_speed_below_subscribed: 'Below subscribed speed',
  fl_edited_after_signature: 'Edited after signature', fl_this: 'This sheet', fl_other: 'Other submission',
  fl_other_wo: 'Other record: order {id}', fl_other_store: 'Other record: walkthrough of {n}', fl_a_store: 'another store', fl_no_access: "Another unit's submission, not visible to you", fl_skew: 'Phone clock off by {m} min',
  fl_edit_v: 'Version {v} changed after the customer signed', fl_near: 'Near copy (distance {d})', fl_same: 'Same photo', fl_none: 'No flagged submissions in this range',
  fl_more: '{n} more not expanded', rc_none: 'No open rectifications', rc_due: 'due {t}', rc_overdue: 'overdue',
  src_callback: 'Unsatisfied callback', src_walkthrough: 'Store walkthrough', src_spotcheck: 'Home-visit spot check',
  fi_unit: 'Unit', fi_spot: 'Spot-check fines', fi_walk: 'Store fines', fi_total: 'Total', fi_capped: 'capped',
  dl_xlsx: 'Excel', dl_csv: 'CSV', dl_failed: 'Download failed: {e}', dl_done: 'Downloaded {f}',
  wo_list: 'Recent work orders', wo_search: 'Search order no., customer, address, technician', wo_none: 'No matching work orders', wo_more: 'Showing the first {n}; narrow the search',
  wo_detail: 'Work order', wo_status_assigned: 'Open', wo_status_completed: 'Completed', wo_status_cancelled: 'Cancelled', wo_status_on_hold: 'On hold', wo_late: 'Overdue',
  wo_tech: 'Technician', wo_completed_at: 'Completed', wo_no_sheet: 'No acceptance sheet for this order yet',
  wo_sheet: 'Customer acceptance sheet', wo_spotcheck: 'Home-visit spot check', wo_versions: 'Versions', wo_version_n: 'v{v}', wo_latest: ' (latest)',
  wo_received: 'Received', wo_author: 'Filled in by', wo_missing: '{n} photos missing', wo_complete: 'All photos received',
  wo_passed: 'Passed', wo_failed: 'Failed', wo_changed: 'changed since the previous version', wo_photos: 'Photos', wo_no_photos: 'No photos',
  wo_speed_cmp: 'Measured {d} Mbps down, subscribed {s} Mbps, threshold {th} Mbps', wo_callback: 'Callback', wo_no_callback: 'No callback task yet',
  wo_cb_not_due: 'A callback task is created when the job is completed', cb_channel_sms: 'SMS', cb_channel_manual: 'Manual',
  cb_due: 'same-day by {t}', cb_deadline: 'deadline {t}', cb_attempts: 'Attempts', cb_no_attempts: 'No attempts',
  sat_very_satisfied: 'Very satisfied', sat_satisfied: 'Satisfied', sat_unsatisfied: 'Unsatisfied', cb_result: 'Result', cb_score: 'Score {n}/5',
  cb_by: '{who} at {t}', cb_survey: 'SMS answer', open_wo: 'Open work order', photo_unavailable: 'Image not available', rect_link: 'Open the rectification',
  need_online_detail: 'The work-order detail needs a connection.',
});

// finished_in_future: the sheet's finish time lay after it reached the server;
// the server used the receive time instead.
addStrings({
  fl_finished_in_future: '完工时间晚于送达时间', fl_ahead: '填写的完工时间比送达服务器晚 {h} 小时，已按送达时间计',
}, {
  fl_finished_in_future: 'Finish time after arrival', fl_ahead: 'Finish time {h} h after it reached the server; counted at arrival',
});

// order_changed: the sheet was judged on the order as the phone had it (or,
// from an older app, with its conditional items optional).
addStrings({ fl_order_changed: '填单后工单有变动' }, { fl_order_changed: 'Order changed after the sheet was filled' });

// ---------- Asia/Shanghai days as YYYY-MM-DD (shtime.js) ----------
export { shDay, today };
const utc = (s) => new Date(s + 'T00:00:00Z');
const iso = (d) => d.toISOString().slice(0, 10);
export function addDays(day, n) { const d = utc(day); d.setUTCDate(d.getUTCDate() + n); return iso(d); }
export function mondayOf(day) { const d = utc(day); return addDays(day, -((d.getUTCDay() + 6) % 7)); }
export function addMonths(day, n) { const d = utc(day.slice(0, 8) + '01'); d.setUTCMonth(d.getUTCMonth() + n); return iso(d); }

// rangeFor is the dashboard's default range per group: two weeks of days,
// eight ISO weeks, six months — each ending today.
export function rangeFor(group, to = today()) {
  if (group === 'week') return { from: addDays(mondayOf(to), -49), to };
  if (group === 'month') return { from: addMonths(to, -5), to };
  return { from: addDays(to, -13), to };
}

// periodLabel shortens a report period: 2026-11-23 → 11-23, 2026-W48 → W48.
export function periodLabel(p) {
  if (/^\d{4}-\d\d-\d\d$/.test(p)) return p.slice(5);
  if (/W\d+$/.test(p)) return p.slice(5);
  if (/^\d{4}-\d\d$/.test(p)) return getLang() === 'zh' ? Number(p.slice(5)) + '月' : p;
  return p;
}

export const pct = (x) => (x == null ? '—' : (Math.round(x * 1000) / 10) + '%');
export const num = (x) => (x == null ? '—' : String(Math.round(x * 100) / 100));
export const dv = (x) => (x == null ? 'null' : String(x)); // a data-value attribute

// ---------- SVG (dom.js) ----------
export { s };

// barChart draws rate bars (0–1) per period. points: [{key, label, value}];
// width is the box it is drawn for, so text keeps its size (one user unit = 1 px).
// Every bar carries data-period, data-metric and data-value, so what is drawn
// can be checked against the report it came from.
export function barChart(points, { metric, selected, onSelect, color = 'var(--g)', width, xTitle, yTitle }) {
  const n = Math.max(points.length, 1);
  const W = Math.max(280, width || 320), H = CH, top = CTOP, bottom = CBOTTOM, left = CLEFT, bw = (W - left - 8) / n;
  const y = (v) => top + (1 - v) * (H - top - bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'data-chart': metric, 'aria-label': yTitle || metric });
  axes(svg, { W, H, left, y, xTitle, yTitle });
  const every = Math.ceil(n / Math.max(3, Math.floor(W / 44)));
  const si = points.findIndex((p) => p.key === selected);
  const labelled = (i) => i === si || (i % every === 0 && (si < 0 || Math.abs(i - si) >= every));
  points.forEach((p, i) => {
    const x = left + i * bw;
    const sel = p.key === selected;
    const v = p.value;
    const bar = v == null
      ? s('rect', { x: x + bw * 0.2, y: y(0) - 2, width: bw * 0.6, height: 2, class: 'pt none' })
      : s('rect', { x: x + bw * 0.15, y: y(v), width: bw * 0.7, height: Math.max(0, y(0) - y(v)), class: 'pt' + (sel ? ' sel' : ''), fill: color });
    bar.setAttribute('data-period', p.key); bar.setAttribute('data-metric', metric); bar.setAttribute('data-value', dv(v));
    bar.append(s('title', null, `${p.key}: ${pct(v)}`));
    const hit = s('rect', { x, y: top, width: bw, height: H - top, class: 'hit', 'data-period': p.key });
    hit.addEventListener('click', () => onSelect?.(p.key));
    svg.append(bar, hit);
    if (sel || bw >= 34) svg.append(s('text', { x: x + bw / 2, y: (v == null ? y(0) : y(v)) - 4, class: 'val' + (sel ? ' sel' : ''), 'text-anchor': 'middle' }, pct(v)));
    if (labelled(i)) svg.append(s('text', { x: x + bw / 2, y: H - CBOTTOM + 16, class: 'ax' + (sel ? ' sel' : ''), 'text-anchor': 'middle' }, p.label));
  });
  return svg;
}

// The charts' frame: room on the left for "100%" and the rate axis's title,
// below for the period labels and the period axis's title, so no label is
// cut at the edge.
const CH = 172, CTOP = 18, CBOTTOM = 40, CLEFT = 48;
function axes(svg, { W, H, left, y, xTitle, yTitle }) {
  for (const g of [0, 0.5, 1]) svg.append(s('line', { x1: left, x2: W, y1: y(g), y2: y(g), class: 'grid' }), s('text', { x: left - 5, y: y(g) + 4, class: 'ax', 'text-anchor': 'end' }, g * 100 + '%'));
  const mid = (y(0) + y(1)) / 2;
  if (yTitle) svg.append(s('text', { x: 11, y: mid, class: 'axt', 'data-axis': 'y', 'text-anchor': 'middle', transform: `rotate(-90 11 ${mid})` }, yTitle));
  if (xTitle) svg.append(s('text', { x: left + (W - left) / 2, y: H - 4, class: 'axt', 'data-axis': 'x', 'text-anchor': 'middle' }, xTitle));
}

// lineChart draws one rate (0–1) as a line with a dot per period; periods
// with no value break the line.
export function lineChart(points, { metric, selected, onSelect, color = '#1f6fb2', width, xTitle, yTitle }) {
  const n = Math.max(points.length, 1);
  const W = Math.max(280, width || 320), H = CH, top = CTOP, bottom = CBOTTOM, left = CLEFT, bw = (W - left - 8) / n;
  const y = (v) => top + (1 - v) * (H - top - bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'data-chart': metric, 'aria-label': yTitle || metric });
  axes(svg, { W, H, left, y, xTitle, yTitle });
  let seg = [];
  const flush = () => { if (seg.length > 1) svg.append(s('polyline', { points: seg.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 })); seg = []; };
  points.forEach((p, i) => { if (p.value == null) flush(); else seg.push(`${left + i * bw + bw / 2},${y(p.value)}`); });
  flush();
  const every = Math.ceil(n / Math.max(3, Math.floor(W / 44)));
  const si = points.findIndex((p) => p.key === selected);
  const labelled = (i) => i === si || (i % every === 0 && (si < 0 || Math.abs(i - si) >= every));
  points.forEach((p, i) => {
    const cx = left + i * bw + bw / 2, v = p.value, sel = p.key === selected;
    const dot = s('circle', { cx, cy: v == null ? y(0) : y(v), r: sel ? 5 : 3.5, class: 'pt' + (v == null ? ' none' : '') + (sel ? ' sel' : ''), fill: v == null ? '#c5ccd3' : color });
    dot.setAttribute('data-period', p.key); dot.setAttribute('data-metric', metric); dot.setAttribute('data-value', dv(v));
    dot.append(s('title', null, `${p.key}: ${pct(v)}`));
    const hit = s('rect', { x: cx - bw / 2, y: top, width: bw, height: H - top, class: 'hit', 'data-period': p.key });
    hit.addEventListener('click', () => onSelect?.(p.key));
    svg.append(dot, hit);
    if (sel || bw >= 34) svg.append(s('text', { x: cx, y: (v == null ? y(0) : y(v)) - 8, class: 'val' + (sel ? ' sel' : ''), 'text-anchor': 'middle' }, pct(v)));
    if (labelled(i)) svg.append(s('text', { x: cx, y: H - CBOTTOM + 16, class: 'ax' + (sel ? ' sel' : ''), 'text-anchor': 'middle' }, p.label));
  });
  return svg;
}

// hbars draws labelled horizontal bars: rows [{label, value, max, text, cls, attrs}].
export function hbars(rows) {
  const rowH = 26, W = 360, lw = 130, H = rows.length * rowH + 4;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart hb', role: 'img' });
  rows.forEach((r, i) => {
    const y = 2 + i * rowH, span = W - lw - 52;
    const w = r.value == null || !r.max ? 0 : Math.max(2, (r.value / r.max) * span);
    const label = r.label.length > 11 ? r.label.slice(0, 10) + '…' : r.label;
    svg.append(s('text', { x: lw - 6, y: y + 17, class: 'lbl', 'text-anchor': 'end' }, s('title', null, r.label), label),
      s('rect', { x: lw, y: y + 4, width: w, height: rowH - 9, rx: 3, class: 'hbar ' + (r.cls || ''), ...(r.attrs || {}) }),
      s('text', { x: lw + w + 5, y: y + 17, class: 'val' }, r.text));
  });
  return svg;
}

// ---------- photos through short-lived file tokens (an <img> sends no header) ----------
let fileTok = null; // {token, until}
let fileTokP = null; // one request at a time, however many <img> ask
function fileToken() {
  if (fileTok && Date.now() < fileTok.until) return Promise.resolve(fileTok.token);
  fileTokP ??= api('POST', '/auth/file-token').then((r) => {
    fileTok = { token: r.token, until: Date.now() + Math.max(30, (Number(r.expires_in) || 300) - 30) * 1000 };
    return r.token;
  }).finally(() => { fileTokP = null; });
  return fileTokP;
}
export async function photoURL(sha, size = 'thumb') {
  return `/api/v1/photos/${encodeURIComponent(sha)}?size=${size}&token=${encodeURIComponent(await fileToken())}`;
}

// photo is a thumbnail that opens the full picture; a picture the caller may
// not see (another unit's) or that never arrived says so instead of a broken icon.
export function photo(sha, { cls = 'sthumb', size = 'thumb', caption } = {}) {
  const img = h('img', { class: cls, alt: caption || '', 'data-sha': sha });
  const a = h('a', { class: 'ph', target: '_blank', rel: 'noopener' }, img);
  img.addEventListener('error', () => { a.classList.add('broken'); a.dataset.broken = ''; img.replaceWith(h('span', { class: 'phmiss' }, t('photo_unavailable'))); });
  Promise.all([photoURL(sha, size), photoURL(sha, 'full')]).then(([u, full]) => { img.src = u; a.href = full; })
    .catch(() => img.dispatchEvent(new Event('error')));
  return caption ? h('figure', { class: 'phfig' }, a, h('figcaption', null, caption)) : a;
}

// otherRecord names the other record a reused photo stands on, by its 工单号
// or store (flag_details other_* fields, filled for supervisors and admins),
// and opens it on a tap; one the caller may not read says so. Never the
// submission's internal id.
export function otherRecord(d) {
  if (d.other_workorder_id) {
    return h('a', { href: '/wo/' + encodeURIComponent(d.other_workorder_id), 'data-link': '', class: 'ono other' }, t('fl_other_wo', { id: d.other_workorder_id }));
  }
  if (d.other_store_id && d.submission_id) {
    const n = d.other_store_name || t('fl_a_store'); // a name, never the store's code
    return h('a', { href: '/sub/' + encodeURIComponent(d.submission_id), 'data-link': '', class: 'other' }, t('fl_other_store', { n }));
  }
  return h('span', { class: 'muted other' }, t('fl_no_access'));
}

// ---------- downloads (the API wants a bearer token, so no plain link) ----------
export async function download(path, btn) {
  if (btn) btn.disabled = true;
  try {
    const res = await authedFetch(path);
    if (!res.ok) {
      let msg = 'HTTP ' + res.status;
      try { msg = (await res.json()).error.message || msg; } catch { /* not JSON */ }
      throw new ApiError(res.status, { error: { message: msg } });
    }
    const cd = res.headers.get('content-disposition') || '';
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
    const name = m ? decodeURIComponent(m[1]) : path.split('/').pop().split('?')[0];
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    toast(t('dl_done', { f: name }));
  } catch (e) {
    toast(t('dl_failed', { e: e.message || String(e) }), 4000);
  } finally { if (btn) btn.disabled = false; }
}

// dlButtons are the XLSX and CSV buttons for one report path (with its query).
export function dlButtons(report, path) {
  const sep = path.includes('?') ? '&' : '?';
  return h('div', { class: 'dl' }, ['xlsx', 'csv'].map((f) => {
    const b = h('button', { class: 'btn small', type: 'button', 'data-report': report, 'data-format': f,
      onclick: () => download(path + sep + 'format=' + f, b) }, t('dl_' + f));
    return b;
  }));
}

// storeNames maps store codes to names (GET /stores, fetched once per page
// load): screens name a store, never show its code. A role that cannot ask
// gets an empty map.
let storesP = null;
export function storeNames() {
  storesP ??= api('GET', '/stores?limit=5000').then((r) => Object.fromEntries((r.items || []).map((x) => [x.id, x.name])))
    .catch(() => { storesP = null; return {}; });
  return storesP;
}
