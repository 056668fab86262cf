// Beijing time (Asia/Shanghai, UTC+8, no DST): the days and wall times the
// app reasons in — a job's day, a callback's agreed time — whatever zone the
// phone's own clock is set to. The one module for them, shared by every role
// and the console: nothing else formats a time in Beijing or adds 8 hours.
//
// The server writes some times with +08:00 and others with Z (and the phone
// its own with Z): compare and sort them as instants (at, byTime), never as
// strings.
const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const toDate = (d) => (d instanceof Date ? d : new Date(d));

// shParts: {year, month, day, hour, minute} of d (a Date, an ISO time or ms) in Beijing.
export function shParts(d) {
  const p = {};
  for (const x of parts.formatToParts(toDate(d))) p[x.type] = x.value;
  if (p.hour === '24') p.hour = '00';
  return p;
}
// shLocal is the value a datetime-local input shows for d in Beijing time.
export const shLocal = (d) => { const p = shParts(d); return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`; };
// shDay: the Beijing calendar day of d, YYYY-MM-DD.
export const shDay = (d) => shLocal(d).slice(0, 10);
// shMonth: the Beijing month of d, YYYY-MM.
export const shMonth = (d) => shLocal(d).slice(0, 7);
export const today = () => shDay(new Date());
// dayPlus: the Beijing day n days from now.
export const dayPlus = (n) => shDay(new Date(Date.now() + n * 86400000));
// fromShLocal reads a datetime-local value as Beijing wall time.
export const fromShLocal = (v) => (v ? new Date(v + ':00+08:00') : null);
// shISO is a datetime-local value as the API takes it (Beijing wall time, +08:00).
export const shISO = (v) => (v ? v + ':00+08:00' : undefined);

// shFormat: d for a person — "12/04 09:30" (withDate) or "09:30" — in the
// locale given (zh-CN, en-GB); '' for nothing, the text itself if it is no time.
const formats = {};
export function shFormat(d, withDate = true, locale = 'zh-CN') {
  if (!d) return '';
  const x = toDate(d);
  if (isNaN(x)) return String(d);
  const key = locale + withDate;
  formats[key] ??= new Intl.DateTimeFormat(locale, {
    timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false,
    ...(withDate ? { month: '2-digit', day: '2-digit' } : {}),
  });
  return formats[key].format(x);
}

// at: the instant of a time as ms (0 for none or no time), for comparing.
export const at = (v) => (v ? Date.parse(v) || 0 : 0);
// byTime(f) sorts by f(x)'s instant, earliest first (byTime(f, -1): latest first).
export const byTime = (f, dir = 1) => (a, b) => dir * (at(f(a)) - at(f(b)));
