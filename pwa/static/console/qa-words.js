// Words and small views the QA reviewer's desk and an agent's "my reviews"
// share: modes, outcomes, grades, the score and the sheet's items.
import { addStrings, t } from '../js/i18n.js';
import { h } from '../js/dom.js';
import { hasName, nameOf } from '../js/names.js';

addStrings({
  qa_mode_onsite: '即席', qa_mode_remote: '远程', qa_mode_recording: '录音',
  qa_grade_excellent: '优秀', qa_grade_good: '良好', qa_grade_improve: '待改进', qa_grade_fail: '不合格',
  qa_out_very_satisfied: '非常满意', qa_out_satisfied: '满意', qa_out_unsatisfied: '不满意', qa_out_unreachable: '无法联系', qa_out_open: '未结束',
  qa_agent: '坐席', qa_points: '{n} 分', qa_improvement: '改进建议', qa_strengths: '亮点', qa_lost: '扣分项',
  qa_no_lost: '无扣分项', qa_audio: '通话录音', qa_audio_link: '打开录音链接', qa_failed_critical: '严重差错：本次监听不合格',
  qa_reviewer: '品质保障员', qa_mode: '监听方式',
}, {
  qa_mode_onsite: 'Beside the agent', qa_mode_remote: 'Live remote', qa_mode_recording: 'Recording',
  qa_grade_excellent: 'Excellent', qa_grade_good: 'Good', qa_grade_improve: 'Needs improvement', qa_grade_fail: 'Fail',
  qa_out_very_satisfied: 'Very satisfied', qa_out_satisfied: 'Satisfied', qa_out_unsatisfied: 'Unsatisfied', qa_out_unreachable: 'Unreachable', qa_out_open: 'Open',
  qa_agent: 'Agent', qa_points: '{n} pts', qa_improvement: 'To improve', qa_strengths: 'What went well', qa_lost: 'Points lost',
  qa_no_lost: 'Nothing lost', qa_audio: 'Call recording', qa_audio_link: 'Open the recording link', qa_failed_critical: 'Serious error: this review fails',
  qa_reviewer: 'QA reviewer', qa_mode: 'Mode',
});

export const MODES = ['onsite', 'remote', 'recording'];

// person is a user's name, never their username.
export const person = (u) => (u && hasName('person', u) ? nameOf('person', u) : t('qa_agent'));

export const pct = (p) => (p == null ? '—' : (Math.round(p * 10) / 10).toString());

export function gradeBadge(result) {
  const g = result?.grade;
  return h('span', { class: 'qa-grade qa-g-' + (g || 'none') }, g ? t('qa_grade_' + g) : '—');
}

export function lostList(review) {
  const lost = (review.result?.deductions || []).filter((d) => d.points > 0);
  return h('div', { class: 'qa-lost' },
    h('h4', null, t('qa_lost')),
    lost.length ? h('ul', null, lost.map((d) => h('li', null, `${d.label?.zh || ''} −${d.points}`))) : h('p', { class: 'muted' }, t('qa_no_lost')),
    review.result?.failed_critical?.length ? h('p', { class: 'err' }, t('qa_failed_critical')) : null);
}

let styled = false;
// style adds the desk's few rules once (CSP allows inline styles).
export function style() {
  if (styled) return;
  styled = true;
  document.head.append(h('style', null, `
.qa-wrap{max-width:960px;margin:0 auto}
.qa-items{display:grid;gap:8px;grid-template-columns:repeat(auto-fill,minmax(280px,1fr))}
.qa-item{display:flex;justify-content:space-between;align-items:center;gap:8px}
.qa-item.done{opacity:.75}
.qa-grade{display:inline-block;padding:2px 8px;border-radius:8px;background:#eef;font-size:.85rem}
.qa-g-excellent{background:#dff3e8}.qa-g-good{background:#e6f0ff}.qa-g-improve{background:#fff4d6}.qa-g-fail{background:#fde2df}
.qa-mix{display:flex;gap:12px;flex-wrap:wrap}.qa-mix div{flex:1 1 90px}
.qa-bar{height:8px;background:#eee;border-radius:4px;position:relative;overflow:hidden}.qa-bar i{position:absolute;left:0;top:0;bottom:0;background:var(--g)}
.qa-bar b{position:absolute;top:-2px;bottom:-2px;width:2px;background:#c33}
.qa-sheet .qa-row{display:flex;flex-wrap:wrap;gap:6px;align-items:center;justify-content:space-between;border-top:1px solid var(--bd);padding:8px 0}
.qa-sheet .qa-row>span{flex:1 1 220px}
.qa-sheet .seg{flex:0 1 260px}
.qa-table{width:100%;border-collapse:collapse;font-size:.9rem}.qa-table th,.qa-table td{border-bottom:1px solid var(--bd);padding:6px 4px;text-align:left}
.qa-scroll{overflow-x:auto}
.qa-timeline{margin:0;padding-left:18px}
.qa-score{font-size:1.4rem;font-weight:700}
@media(min-width:900px){.qa-split{display:grid;grid-template-columns:1fr 1fr;gap:12px}}
`));
}
