// The same rules the server applies (API.md Templates), run on the phone so
// a technician sees what is wrong before the sheet ever leaves. Keys are the
// server's field paths ("answers.x", "photos.x") so server reasons land on
// the same items.
import { t } from './i18n.js';
import { hiddenItems } from './conds.js';

export function items(template) {
  const out = [];
  for (const s of template.sections || []) for (const it of s.items || []) out.push(it);
  return out;
}

const SHA = /^[0-9a-f]{64}$/;
// Limits shared with checklists/validate.go.
// sigSha: the image hash of a signature answer, which is the hash itself
// (older phones) or {sha256, strokes, w, h} (the pen strokes kept as
// evidence, checklists/signature.go); '' when there is none.
export function sigSha(a) {
  if (typeof a === 'string') return a;
  return a && typeof a === 'object' && typeof a.sha256 === 'string' ? a.sha256 : '';
}

export const MAX_TEXT = 2000, MAX_COUNT = 10000, MAX_MBPS = 100000, MAX_MS = 600000, DEFAULT_PHOTOS_MAX = 10;

export function answered(item, sheet) {
  if (item.type === 'photo') return (sheet.photos?.[item.id] || []).length > 0;
  const a = sheet.answers?.[item.id];
  if (a === undefined || a === null) return false;
  if (item.type === 'text') return String(a).trim() !== '';
  return true;
}

// checkItem returns [path, message] or null.
export function checkItem(item, sheet) {
  const a = sheet.answers?.[item.id];
  const path = 'answers.' + item.id;
  if (item.type === 'photo') {
    const n = (sheet.photos?.[item.id] || []).length;
    const min = Math.max(item.photos?.min || 0, item.required ? 1 : 0);
    const max = item.photos ? item.photos.max : DEFAULT_PHOTOS_MAX;
    if (n < min) return ['photos.' + item.id, n === 0 && item.required ? t('required') : t('photos_min', { n: min })];
    if (max && n > max) return ['photos.' + item.id, t('photos_max', { n: max })];
    return null;
  }
  if (!answered(item, sheet)) return item.required ? [path, t('required')] : null;
  switch (item.type) {
    case 'check': if (typeof a !== 'boolean') return [path, t('required')]; break;
    case 'pass_fail': if (!['pass', 'fail', 'na'].includes(a)) return [path, t('choose_one')]; break;
    case 'count': if (!Number.isInteger(a) || a < 0 || a > MAX_COUNT) return [path, t('must_integer')]; break;
    case 'number': {
      if (typeof a !== 'number' || !isFinite(a)) return [path, t('must_number')];
      const r = item.number || {};
      if (r.min != null && a < r.min) return [path, t('range_min', { n: r.min })];
      if (r.max != null && a > r.max) return [path, t('range_max', { n: r.max })];
      break;
    }
    case 'text':
      if (typeof a !== 'string') return [path, t('required')];
      if ([...a].length > MAX_TEXT) return [path, t('text_max', { n: MAX_TEXT })];
      break;
    case 'choice': if (!(item.choices || []).some((c) => c.id === a)) return [path, t('choose_one')]; break;
    case 'rating': if (!Number.isInteger(a) || a < 0 || a > 5) return [path, t('rating_range')]; break;
    case 'signature': if (!SHA.test(sigSha(a))) return [path, t('sig_empty')]; break;
    case 'speedtest': {
      // down_mbps is required; up, ping and jitter may be left out (a
      // tester that only shows download), but never negative or absurd.
      if (!a || typeof a !== 'object' || typeof a.down_mbps !== 'number') return [path, t('required')];
      const lim = { down_mbps: MAX_MBPS, up_mbps: MAX_MBPS, ping_ms: MAX_MS, jitter_ms: MAX_MS };
      for (const [k, max] of Object.entries(lim)) {
        if (a[k] == null) continue;
        if (typeof a[k] !== 'number' || !isFinite(a[k]) || a[k] < 0 || a[k] > max) return [path, t('range_max', { n: max })];
      }
      if (a.method !== 'browser' && a.method !== 'manual') return [path, t('required')];
      break;
    }
  }
  return null;
}

// validate: the errors of a sheet; items its conditions hide (judged on
// facts, by default what the sheet was last drawn with) are skipped.
export function validate(template, sheet, facts = sheet.order_facts) {
  const fields = {};
  const hidden = hiddenItems(template, sheet, facts);
  for (const it of items(template)) {
    if (hidden.has(it.id)) continue;
    const r = checkItem(it, sheet);
    if (r) fields[r[0]] = r[1];
  }
  return fields;
}

// speedJudge: measured download against subscribed × min_ratio (shown at once;
// the server judges the same numbers against the order's subscribed_mbps).
export function speedJudge(item, answer, subscribed) {
  const ratio = item.speedtest?.min_ratio ?? 0;
  if (!answer || typeof answer.down_mbps !== 'number' || !subscribed) return null;
  const threshold = Math.round(subscribed * ratio * 100) / 100;
  return { threshold, ratio, subscribed, pass: answer.down_mbps >= subscribed * ratio };
}

// referencedPhotos: photos plus signature answers, which upload like photos.
export function referencedPhotos(template, sheet) {
  const set = new Set();
  for (const list of Object.values(sheet.photos || {})) for (const s of list) set.add(s);
  if (template) {
    for (const it of items(template)) if (it.type === 'signature' && SHA.test(sigSha(sheet.answers?.[it.id]))) set.add(sigSha(sheet.answers[it.id]));
  } else {
    for (const v of Object.values(sheet.answers || {})) if (SHA.test(sigSha(v))) set.add(sigSha(v));
  }
  return [...set];
}
