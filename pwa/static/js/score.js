// The inspector's live tally: a line-by-line port of checklists/score.go
// (API.md Templates, Scoring), so the phone shows offline exactly the score,
// grade and fines the server will store. Field names are the server's, so a
// result compares 1:1 with GET /submissions/:id. Change both together.
//
//   - count: deducts min(count × per_instance, cap), cap defaulting to max;
//   - pass_fail: "fail" deducts max; "na" is excluded from max_score and score;
//   - check: false deducts max, true nothing;
//   - an optional scored item left unanswered is excluded like "na";
//   - fine = min(deduction × fine_per_point, fine_cap);
//   - score = Σ max − Σ deductions, percent = 100 × score ÷ max_score, each
//     rounded to two decimals; the grade comes from the rounded percent;
//   - max_score 0 → percent and grade null;
//   - passed is false when a critical item failed (check false, pass_fail
//     "fail", speedtest below min_ratio × subscribed);
//   - an item hidden by its conditions is left out altogether.

import { hiddenItems } from './conds.js';

// DEFAULT_GRADING is seed 001's bands (checklists.DefaultGrading).
export const DEFAULT_GRADING = [
  { id: 'excellent', min: 90, label: { zh: '优秀', en: 'Excellent' } },
  { id: 'good', min: 85, label: { zh: '良好', en: 'Good' } },
  { id: 'improve', min: 75, label: { zh: '待改进', en: 'Needs improvement' } },
  { id: 'fail', min: 0, label: { zh: '不合格', en: 'Fail' } },
];

const SPEED_EPSILON = 1e-9;
const SCORABLE = new Set(['count', 'pass_fail', 'check']);

// round2 is Go's math.Round(f*100)/100: halves away from zero.
export function round2(f) {
  const x = f * 100;
  return (x < 0 ? -Math.round(-x) : Math.round(x)) / 100;
}

const finite = (f) => typeof f === 'number' && Number.isFinite(f);
const isNull = (a) => a === undefined || a === null;

// intAnswer: a JSON number that is a whole int64 (Go's intAnswer).
function intAnswer(a) {
  return typeof a === 'number' && Number.isSafeInteger(a) ? a : null;
}

// speedAnswer mirrors decodeSpeedtest: an object whose down_mbps is a finite
// number; the other fields, when present, must have their JSON types.
function speedAnswer(a) {
  if (isNull(a) || typeof a !== 'object' || Array.isArray(a) || !finite(a.down_mbps)) return null;
  for (const k of ['up_mbps', 'ping_ms', 'jitter_ms']) if (!isNull(a[k]) && typeof a[k] !== 'number') return null;
  if (!isNull(a.method) && typeof a.method !== 'string') return null;
  return a;
}

export function bandsOf(template) {
  return template?.grading?.length ? template.grading : DEFAULT_GRADING;
}

// score computes the breakdown of a sheet's answers against its template.
// ctx.subscribedMbps is the work order's subscribed speed (0: unknown);
// ctx.facts and ctx.photos judge the conditions (conds.js): a hidden item
// is left out altogether, as the server does.
export function score(template, answers, ctx = {}) {
  const res = { score: 0, max_score: 0, percent: null, grade: null, passed: true, fines: 0, deductions: [], failed_critical: [] };
  if (!template || !answers) return res;
  const subscribed = ctx.subscribedMbps || 0;
  let sumMax = 0, sumDed = 0, sumFine = 0;
  const hidden = hiddenItems(template, { answers, photos: ctx.photos }, ctx.facts);
  for (const sec of template.sections || []) {
    for (const it of sec.items || []) {
      if (hidden.has(it.id)) continue;
      const raw = answers[it.id];
      const answered = !isNull(raw);

      // Critical failures and the speed flag, scored or not.
      if (it.type === 'check') {
        if (answered && raw === false && it.critical) res.failed_critical.push(it.id);
      } else if (it.type === 'pass_fail') {
        if (answered && raw === 'fail' && it.critical) res.failed_critical.push(it.id);
      } else if (it.type === 'speedtest') {
        const st = speedAnswer(raw);
        if (st && it.speedtest) {
          if (!(subscribed > 0) || !finite(subscribed)) res.speed_unjudged = true;
          else if (st.down_mbps + SPEED_EPSILON < it.speedtest.min_ratio * subscribed) {
            res.speed_below_subscribed = true;
            if (it.critical) res.failed_critical.push(it.id);
          }
        }
      }

      if (!it.score || !SCORABLE.has(it.type)) continue;
      const r = it.score;
      const max = r.max || 0;
      const d = { item_id: it.id, label: it.label, max, points: 0, fine: 0 };
      if (it.type === 'count') {
        const n = answered ? intAnswer(raw) : null;
        if (n === null || n < 0) d.excluded = true;
        else {
          d.count = n;
          const limit = isNull(r.cap) ? max : r.cap;
          d.points = Math.min(n * (r.per_instance || 0), limit);
        }
      } else if (it.type === 'pass_fail') {
        if (!answered || (raw !== 'pass' && raw !== 'fail')) d.excluded = true;
        else if (raw === 'fail') d.points = max;
      } else if (typeof raw !== 'boolean') { // check
        d.excluded = true;
      } else if (!raw) d.points = max;
      if (d.points < 0 || !finite(d.points)) d.points = 0;
      if (!d.excluded) {
        let fine = d.points * (r.fine_per_point || 0);
        if (!isNull(r.fine_cap)) fine = Math.min(fine, r.fine_cap);
        d.points = round2(d.points);
        d.fine = round2(fine);
        sumMax += max;
        sumDed += d.points;
        sumFine += d.fine;
      }
      res.deductions.push(d);
    }
  }
  res.max_score = round2(sumMax);
  res.score = round2(sumMax - sumDed);
  res.fines = round2(sumFine);
  if (res.max_score > 0) {
    const p = round2(100 * (sumMax - sumDed) / sumMax);
    res.percent = p;
    const b = bandsOf(template).find((x) => x.min <= p);
    if (b) res.grade = b.id;
  }
  res.passed = res.failed_critical.length === 0;
  return res;
}

// gradeLabel is the band's {zh, en} label for a grade id (null when unknown).
export function gradeLabel(template, id) {
  return bandsOf(template).find((b) => b.id === id)?.label || DEFAULT_GRADING.find((b) => b.id === id)?.label || null;
}
