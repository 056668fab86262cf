// The customer's signature (客户签字): pointer events on a canvas, strokes
// kept as points so "undo" can redraw, saved as a PNG whose sha256 is the
// signature item's answer (uploaded like a photo).
import { t } from './i18n.js';
import { sha256Hex, storeBytes } from './photo.js';
import { h } from './dom.js';

export function signaturePad(onSave) {
  const canvas = h('canvas', { class: 'sigpad', 'aria-label': t('sign_here') });
  const strokes = [];
  let current = null;
  const ctx = canvas.getContext('2d');

  function size() {
    const r = canvas.getBoundingClientRect();
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    if (!r.width) return;
    canvas.width = Math.round(r.width * dpr); canvas.height = Math.round(r.height * dpr);
    redraw();
  }
  function redraw() {
    const dpr = canvas.width / (canvas.getBoundingClientRect().width || canvas.width);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.lineWidth = 2.5; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#111';
    for (const s of strokes) {
      ctx.beginPath();
      s.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      if (s.length === 1) ctx.lineTo(s[0][0] + 0.1, s[0][1]);
      ctx.stroke();
    }
  }
  const pos = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture?.(e.pointerId);
    current = [pos(e)]; strokes.push(current); redraw();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!current) return;
    e.preventDefault();
    current.push(pos(e)); redraw();
  });
  const end = () => { current = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('pointerleave', end);
  new ResizeObserver(size).observe(canvas);

  const msg = h('div', { class: 'err' });
  const clear = h('button', { type: 'button', class: 'btn', onclick: () => { strokes.length = 0; redraw(); } }, t('clear'));
  const undo = h('button', { type: 'button', class: 'btn', onclick: () => { strokes.pop(); redraw(); } }, t('undo'));
  const save = h('button', {
    type: 'button', class: 'btn primary',
    onclick: async () => {
      if (!strokes.some((s) => s.length > 1)) { msg.textContent = t('sig_empty'); return; }
      msg.textContent = '';
      const blob = await new Promise((res) => canvas.toBlob(res, 'image/png'));
      const bytes = await blob.arrayBuffer();
      const sha = await sha256Hex(bytes);
      await storeBytes(sha, 'image/png', bytes, { width: canvas.width, height: canvas.height, signature: true });
      onSave(sha);
    },
  }, t('save_signature'));
  return h('div', { class: 'sigwrap' }, canvas, h('div', { class: 'row' }, clear, undo, save), msg);
}
