// What every role's sheet screens share: a sheet's state label, an answer
// as text, the phone's position, and the submit that checks a sheet with
// the server's own rules before it goes to the outbox.
import { h, toast } from './dom.js';
import { t, tx } from './i18n.js';
import { validate } from './rules.js';
import * as sync from './sync.js';

// shownState: a sheet sent with items missing is shown as incomplete.
export const shownState = (sheet) => (sheet.state === 'sent' && (sheet.missing || []).length ? 'incomplete' : sheet.state);
export function stateLabel(sheet) {
  if (!sheet) return null;
  const st = shownState(sheet);
  return h('span', { class: 'state st-' + st, 'data-state': st }, t('st_' + st));
}

// fmtAnswer: an item's answer as a line of text.
export function fmtAnswer(it, a) {
  if (a == null) return '—';
  switch (it.type) {
    case 'check': return a ? t('answer_yes') : t('answer_no');
    case 'pass_fail': return t(a);
    case 'choice': return tx((it.choices || []).find((c) => c.id === a)?.label) || a;
    case 'count': return t('count_n', { n: a });
    case 'speedtest': {
      const d = (x) => (x == null ? '—' : x);
      return `${t('down')} ${d(a.down_mbps)} / ${t('up')} ${d(a.up_mbps)} Mbps · ${t('ping')} ${d(a.ping_ms)} ms · ${t('jitter')} ${d(a.jitter_ms)} ms (${a.method === 'manual' ? t('speed_manual') : t('speed_browser')})`;
    }
    case 'signature': return t('signed');
    case 'number': return String(a) + (it.number?.unit ? ' ' + it.number.unit : '');
    default: return String(a);
  }
}

// locate: where the person stood, when the phone says within 4 seconds.
export function locate() {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((res) => {
    const done = (v) => { clearTimeout(timer); res(v); };
    const timer = setTimeout(() => done(null), 4000);
    navigator.geolocation.getCurrentPosition(
      (p) => done({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy_m: Math.round(p.coords.accuracy) }),
      () => done(null), { enableHighAccuracy: true, timeout: 3500, maximumAge: 120000 });
  });
}

// submitSheet checks a sheet with the server's own rules and, when it
// passes, queues it in the outbox and starts a sync; otherwise it shows the
// errors. stopAutosave cancels the view's pending autosave first. Every
// role's sheet screen submits through it.
export async function submitSheet(sheet, tpl, view, holder, stopAutosave) {
  const n = Object.keys(validate(tpl, sheet)).length;
  if (n) {
    view.showErrors();
    toast(t('fix_errors', { n }));
    holder.querySelector('.item.invalid')?.scrollIntoView({ behavior: 'smooth', block: 'center' });
    return false;
  }
  stopAutosave();
  sheet.finished_at = new Date().toISOString();
  const loc = await locate(); // where the person stood, when the phone says
  if (loc) sheet.location = loc;
  sheet.state = 'queued';
  delete sheet.rejection;
  await sync.saveSheet(sheet);
  sync.requestBackgroundSync();
  toast(t('submitted'));
  sync.syncNow('submit');
  return true;
}
