// A small dictionary: zh-CN first, English second. The choice lives in
// localStorage (read synchronously at start; losing it only resets to zh).
import { shFormat } from './shtime.js';
const dict = {
  zh: {
    app: '现场验收', login: '登录', username: '用户名', password: '密码', logout: '退出登录',
    login_once: '首次使用需联网登录，之后无信号也可工作。', login_failed: '用户名或密码错误',
    login_throttled: '尝试次数过多，请稍后再试', login_busy: '登录的人较多，服务器忙，请过一会儿再试', need_network: '需要网络连接',
    session_expired: '登录已过期，请重新登录。未发送的记录不会丢失。', relogin: '重新登录',
    same_user_only: '有未发送的记录，只能用 {u} 重新登录',
    orders: '今日工单', other_orders: '其他未完成工单', done_orders: '今日已完成', earlier_done: '更早完成的工单（{n}）', no_orders: '暂无工单',
    outbox: '待发送', settings: '设置', pending: '待发送 {n}', all_sent: '已全部发送',
    online: '在线', offline: '离线', syncing: '同步中…', last_sync: '上次同步 {t}', sync_now: '立即同步',
    order_no: '工单号', customer: '客户', address: '地址', appointment: '预约时间', tier: '客户等级',
    speed: '签约速率', call: '拨打电话', map: '地图', open_sheet: '填写验收单', continue_sheet: '继续填写',
    signed_then_edited: '客户已在修改前签字：签名会留在改动后的验收单上（系统将标记“签字后修改”）。请让客户看过改动后重新签名。',
    resign_now: '请客户重新签名', photos_need: '需拍 {n} 张照片（已有 {k} 张）', net_checking: '连接中…',
    view_sheet: '查看验收单', type_install: '装机', type_move: '移机', type_repair: '维修', type_removal: '拆机', type_complaint: '投诉',
    tier_vip: 'VIP', tier_high_value: '高价值', tier_standard: '普通',
    st_draft: '草稿', st_queued: '待发送', st_sending: '发送中', st_sent: '已发送', st_incomplete: '照片待上传',
    st_conflict: '冲突', st_rejected: '被退回', st_removed: '工单已改派/取消', sla_left: '剩余 {v}', sla_over: '已超时 {v}', sla_paused: '缓装中，时限暂停', u_d: ' 天', u_h: ' 小时', u_m: ' 分钟',
    required: '必填', answer_yes: '是', answer_no: '否', pass: '合格', fail: '不合格', na: '不适用',
    must_integer: '请输入不小于 0 的整数', must_number: '请输入数字', range_min: '不能小于 {n}', range_max: '不能大于 {n}',
    choose_one: '请选择一项', photos_min: '至少 {n} 张照片', photos_max: '最多 {n} 张照片', rating_range: '请评 0–5 分', text_max: '不能超过 {n} 个字',
    take_photo: '拍照', pick_photo: '从相册选', remove: '删除', processing: '处理中…',
    sign_here: '请客户在此签名', clear: '清除', undo: '撤销一笔', save_signature: '确认签名', signed: '已签名', resign: '重新签名',
    sig_empty: '请先签名',
    speed_run: '开始测速', speed_running: '测速中…', speed_manual: '手动录入（自带测试仪）', speed_browser: '浏览器测速',
    down: '下行', up: '上行', ping: '时延', jitter: '抖动', speed_threshold: '门限 {n} Mbps（签约 {s} × {r}）',
    speed_pass: '达标', speed_fail: '未达标', speed_failed_run: '测速失败：{e}', speed_offline: '测速需要联网；可手动录入', speed_rate_limited: '测速过于频繁，请一分钟后再试，或手动录入',
    save_manual: '保存', submit: '提交验收单', fix_errors: '还有 {n} 项需要处理', submitted: '已保存到待发送，联网后自动发送',
    saved: '已自动保存', back: '返回', print: '打印客户联', discard: '放弃此记录', discard_confirm: '确定放弃？此记录将被删除且无法恢复。建议先导出。',
    edit: '修改', resend: '重新提交', server_version: '服务器上的版本', use_server: '以服务器版本为准（放弃本机）',
    rebase: '在服务器版本基础上重新提交', server_reasons: '服务器退回原因', conflict_help: '服务器上已有不同的版本，本机记录未覆盖任何内容。',
    export: '导出未发送记录', export_help: '下载全部未发送记录（含照片）给技术支持。',
    logout_blocked: '还有 {n} 条未发送记录，不能退出。请先联网发送，或导出后再处理。',
    storage: '存储', persisted: '已持久保存（浏览器不会自动清理）', not_persisted: '未持久保存：浏览器在空间不足或 7 天未使用时可能清理',
    persist_ask: '申请持久保存', storage_use: '已用 {u} / 可用 {q}', language: '语言 / Language',
    new_version: '有新版本', reload: '刷新', device: '设备', user: '用户',
    sheet_title: '装移修客户验收单', customer_copy: '客户联', signature: '客户签字', taken_at: '拍摄时间',
    photo_missing_local: '照片未在本机', loading: '加载中…', not_found: '未找到', no_template: '本机没有验收模板，请联网同步一次',
    started: '开始', finished: '完成', version: '版本', flags: '提示', none: '无', count_n: '{n} 处',
    unsent_title: '待发送记录', nothing_unsent: '没有未发送的记录', open: '打开', sent_at: '发送于 {t}',
    server_unreachable: '连接不到服务器', error: '错误', location: '位置',
  },
  en: {
    app: 'fieldcheck', login: 'Log in', username: 'Username', password: 'Password', logout: 'Log out',
    login_once: 'Log in once online; after that the app works without signal.', login_failed: 'Wrong username or password',
    login_throttled: 'Too many attempts, try again later', login_busy: 'The server is busy with many logins; try again in a moment', need_network: 'Needs a network connection',
    session_expired: 'Your session expired, please log in again. Unsent records are kept.', relogin: 'Log in again',
    same_user_only: 'Unsent records exist: only {u} can log in',
    orders: "Today's orders", other_orders: 'Other open orders', done_orders: 'Done today', earlier_done: 'Finished earlier ({n})', no_orders: 'No orders',
    outbox: 'Outbox', settings: 'Settings', pending: '{n} to send', all_sent: 'All sent',
    online: 'Online', offline: 'Offline', syncing: 'Syncing…', last_sync: 'Last sync {t}', sync_now: 'Sync now',
    order_no: 'Order', customer: 'Customer', address: 'Address', appointment: 'Appointment', tier: 'Tier',
    speed: 'Subscribed', call: 'Call', map: 'Map', open_sheet: 'Fill acceptance sheet', continue_sheet: 'Continue sheet',
    signed_then_edited: 'The customer signed before this change: the signature stays on the changed sheet (it will be flagged "edited after signature"). Let the customer see the change and sign again.',
    resign_now: 'Customer signs again', photos_need: '{n} photos needed ({k} taken)', net_checking: 'Connecting…',
    view_sheet: 'View sheet', type_install: 'Install', type_move: 'Move', type_repair: 'Repair', type_removal: 'Removal', type_complaint: 'Complaint',
    tier_vip: 'VIP', tier_high_value: 'High value', tier_standard: 'Standard',
    st_draft: 'Draft', st_queued: 'Waiting to send', st_sending: 'Sending', st_sent: 'Sent', st_incomplete: 'Photos pending',
    st_conflict: 'Conflict', st_rejected: 'Rejected', st_removed: 'Order reassigned/cancelled', sla_left: '{v} left', sla_over: '{v} overdue', sla_paused: 'On hold, clock paused', u_d: ' d', u_h: ' h', u_m: ' min',
    required: 'Required', answer_yes: 'Yes', answer_no: 'No', pass: 'Pass', fail: 'Fail', na: 'N/A',
    must_integer: 'Enter a whole number ≥ 0', must_number: 'Enter a number', range_min: 'Must be at least {n}', range_max: 'Must be at most {n}',
    choose_one: 'Choose one', photos_min: 'At least {n} photos', photos_max: 'At most {n} photos', rating_range: 'Rate 0–5', text_max: 'At most {n} characters',
    take_photo: 'Take photo', pick_photo: 'Pick file', remove: 'Remove', processing: 'Processing…',
    sign_here: 'Customer signs here', clear: 'Clear', undo: 'Undo stroke', save_signature: 'Confirm signature', signed: 'Signed', resign: 'Sign again',
    sig_empty: 'Sign first',
    speed_run: 'Run speed test', speed_running: 'Testing…', speed_manual: "Manual entry (own tester)", speed_browser: 'Browser test',
    down: 'Down', up: 'Up', ping: 'Ping', jitter: 'Jitter', speed_threshold: 'Threshold {n} Mbps (subscribed {s} × {r})',
    speed_pass: 'Pass', speed_fail: 'Below threshold', speed_failed_run: 'Speed test failed: {e}', speed_offline: 'Needs network; enter manually', speed_rate_limited: 'Too many speed tests; try again in a minute, or enter manually',
    save_manual: 'Save', submit: 'Submit sheet', fix_errors: '{n} items need attention', submitted: 'Queued; it sends by itself when online',
    saved: 'Saved', back: 'Back', print: 'Print customer copy', discard: 'Discard this record', discard_confirm: 'Discard? The record is deleted for good. Export first.',
    edit: 'Edit', resend: 'Submit again', server_version: "Server's version", use_server: "Keep the server's version (drop mine)",
    rebase: "Resubmit on top of the server's version", server_reasons: 'Server rejected because', conflict_help: 'The server holds a different version; nothing was overwritten.',
    export: 'Export my outbox', export_help: 'Download every unsent record (with photos) for support.',
    logout_blocked: '{n} unsent records: cannot log out. Send them online, or export first.',
    storage: 'Storage', persisted: 'Persistent (the browser will not clear it)', not_persisted: 'Not persistent: the browser may clear it when low on space or after 7 days unused',
    persist_ask: 'Ask for persistent storage', storage_use: '{u} used / {q} available', language: '语言 / Language',
    new_version: 'A new version is available', reload: 'Reload', device: 'Device', user: 'User',
    sheet_title: 'Customer acceptance sheet', customer_copy: 'Customer copy', signature: 'Customer signature', taken_at: 'Taken',
    photo_missing_local: 'Photo not on this phone', loading: 'Loading…', not_found: 'Not found', no_template: 'No acceptance template on this phone; sync once online',
    started: 'Started', finished: 'Finished', version: 'Version', flags: 'Flags', none: 'none', count_n: '{n} found',
    unsent_title: 'Unsent records', nothing_unsent: 'Nothing unsent', open: 'Open', sent_at: 'Sent {t}',
    server_unreachable: 'Server unreachable', error: 'Error', location: 'Location',
  },
};

let lang = 'zh';
try { if (localStorage.getItem('fc.lang') === 'en') lang = 'en'; } catch { /* private mode */ }

// addStrings lets a role's module keep its own words next to its code.
export function addStrings(zh, en) { Object.assign(dict.zh, zh); Object.assign(dict.en, en); }
export function getLang() { return lang; }
export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  try { localStorage.setItem('fc.lang', lang); } catch { /* ignore */ }
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}
export function t(key, params) {
  let s = dict[lang][key] ?? dict.zh[key] ?? key;
  if (params) for (const k in params) s = s.replaceAll('{' + k + '}', params[k]);
  return s;
}
// tx picks the current language from a template's {zh, en} label.
export function tx(label) {
  if (!label) return '';
  if (typeof label === 'string') return label;
  return (lang === 'en' ? label.en || label.zh : label.zh || label.en) || '';
}
export function acceptLanguage() { return lang === 'en' ? 'en' : 'zh-CN'; }
// fmtTime: a time in Beijing for a person, in the language chosen (shtime.js).
export const fmtTime = (iso, withDate = true) => shFormat(iso, withDate, lang === 'zh' ? 'zh-CN' : 'en-GB');
