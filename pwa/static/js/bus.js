// A tiny event bus between the sync engine and the views.
const target = new EventTarget();
export function emit(type, detail) { target.dispatchEvent(new CustomEvent(type, { detail })); }
export function on(type, fn) { const h = (e) => fn(e.detail); target.addEventListener(type, h); return () => target.removeEventListener(type, h); }

// onScreen is `on` for a listener that belongs to the screen on show: the
// router calls leaveScreen() before it draws the next screen, which removes
// every such listener, so a screen left without an event leaks none.
let screen = [];
export function onScreen(type, fn) { const off = on(type, fn); screen.push(off); return off; }
export function leaveScreen() { const offs = screen; screen = []; for (const off of offs) off(); }
