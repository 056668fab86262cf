// A tiny event bus between the sync engine and the views.
const target = new EventTarget();
export function emit(type, detail) { target.dispatchEvent(new CustomEvent(type, { detail })); }
export function on(type, fn) { const h = (e) => fn(e.detail); target.addEventListener(type, h); return () => target.removeEventListener(type, h); }
