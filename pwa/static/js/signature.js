// The customer's signature (客户签字), drawn with signature_pad (vendored,
// MIT: smooth strokes drawn incrementally, so each pointer move costs the
// same however long the signature grows). Saved as a PNG (uploaded like a
// photo) and answered as {sha256, strokes, w, h}: the image's hash with the
// pen strokes that drew it — points [x, y, ms since the first point] in CSS
// pixels of a w × h pad — so the strokes, legal evidence like the image,
// are part of the submission's content hash (checklists/signature.go).
import SignaturePad from '../vendor/signature_pad.min.js';
import { t } from './i18n.js';
import { sha256Hex, storeBytes } from './photo.js';
import { h } from './dom.js';

const MAX_POINTS = 5000; // the server's bound (checklists.MaxSignaturePoints)
const MAX_STROKES = 100;

// strokeData turns signature_pad's data into the answer's strokes.
export function strokeData(data) {
  const t0 = data.find((g) => g.points.length)?.points[0].time || 0;
  const r1 = (x) => Math.round(x * 10) / 10;
  let budget = MAX_POINTS;
  return data.slice(0, MAX_STROKES).map((g) => {
    const pts = g.points.slice(0, Math.max(0, budget));
    budget -= pts.length;
    return pts.map((p) => [r1(p.x), r1(p.y), Math.max(0, Math.round(p.time - t0))]);
  }).filter((s) => s.length);
}

export function signaturePad(onSave) {
  const canvas = h('canvas', { class: 'sigpad', role: 'img', 'aria-label': t('sign_here') });
  const pad = new SignaturePad(canvas, { backgroundColor: 'rgb(255,255,255)', penColor: '#111', minWidth: 1, maxWidth: 3 });
  let cssW = 0, cssH = 0;

  // The canvas is sized to its box (device pixels, at most 2×); the
  // strokes are kept and redrawn once per resize, never per move.
  function size() {
    const r = canvas.getBoundingClientRect();
    if (!r.width) return;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const data = pad.toData();
    cssW = r.width; cssH = r.height;
    canvas.width = Math.round(r.width * dpr); canvas.height = Math.round(r.height * dpr);
    canvas.getContext('2d').scale(dpr, dpr);
    pad.clear();
    if (data.length) pad.fromData(data);
  }
  new ResizeObserver(size).observe(canvas);

  const msg = h('div', { class: 'err', role: 'alert' });
  const clear = h('button', { type: 'button', class: 'btn', onclick: () => pad.clear() }, t('clear'));
  const undo = h('button', { type: 'button', class: 'btn', onclick: () => { const d = pad.toData(); d.pop(); pad.fromData(d, { clear: true }); } }, t('undo'));
  const save = h('button', {
    type: 'button', class: 'btn primary',
    onclick: async () => {
      const data = pad.toData();
      if (pad.isEmpty() || !data.some((g) => g.points.length > 1)) { msg.textContent = t('sig_empty'); return; }
      msg.textContent = '';
      const blob = await new Promise((res) => canvas.toBlob(res, 'image/png'));
      const bytes = await blob.arrayBuffer();
      const sha = await sha256Hex(bytes);
      await storeBytes(sha, 'image/png', bytes, { width: canvas.width, height: canvas.height, signature: true });
      onSave({ sha256: sha, strokes: strokeData(data), w: Math.round(cssW), h: Math.round(cssH) });
    },
  }, t('save_signature'));
  return h('div', { class: 'sigwrap' }, canvas, h('div', { class: 'row' }, clear, undo, save), msg);
}
