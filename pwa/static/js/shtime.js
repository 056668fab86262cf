// Beijing time (Asia/Shanghai, UTC+8, no DST): the days and wall times the
// app reasons in — a job's day, a callback's agreed time — whatever zone the
// phone's own clock is set to. One formatter for the whole app.
const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

// shParts: {year, month, day, hour, minute} of d (a Date, an ISO time or ms) in Beijing.
export function shParts(d) {
  const p = {};
  for (const x of parts.formatToParts(d instanceof Date ? d : new Date(d))) p[x.type] = x.value;
  if (p.hour === '24') p.hour = '00';
  return p;
}
// shLocal is the value a datetime-local input shows for d in Beijing time.
export const shLocal = (d) => { const p = shParts(d); return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`; };
// shDay: the Beijing calendar day of d, YYYY-MM-DD.
export const shDay = (d) => shLocal(d).slice(0, 10);
export const today = () => shDay(new Date());
// dayPlus: the Beijing day n days from now.
export const dayPlus = (n) => shDay(new Date(Date.now() + n * 86400000));
// fromShLocal reads a datetime-local value as Beijing wall time.
export const fromShLocal = (v) => (v ? new Date(v + ':00+08:00') : null);
