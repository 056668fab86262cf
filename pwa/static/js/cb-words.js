// One word per callback outcome and status, for every screen that shows
// them (the agent's call screen, the supervisor's work-order detail and
// rectifications): what the agent tapped is what the supervisor reads, and
// the exports say the same (reports: 无法联系数).
import { addStrings } from './i18n.js';

addStrings({
  cb_out_reached: '已接通', cb_out_no_answer: '无人接听', cb_out_busy: '占线', cb_out_wrong_number: '号码错误',
  cb_out_refused: '拒绝回访', cb_out_call_later: '约定回电',
  cb_status_pending: '待回访', cb_status_claimed: '回访中', cb_status_done: '已回访', cb_status_unreachable: '无法联系',
}, {
  cb_out_reached: 'Reached', cb_out_no_answer: 'No answer', cb_out_busy: 'Busy', cb_out_wrong_number: 'Wrong number',
  cb_out_refused: 'Refused', cb_out_call_later: 'Call later',
  cb_status_pending: 'Waiting', cb_status_claimed: 'In progress', cb_status_done: 'Called back', cb_status_unreachable: 'Unreachable',
});

export const OUTCOMES = ['reached', 'no_answer', 'busy', 'wrong_number', 'refused', 'call_later'];
export const STATUSES = ['pending', 'claimed', 'done', 'unreachable'];
