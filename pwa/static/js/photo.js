// Photo evidence: read EXIF from the original bytes, downscale on a canvas
// to ≈2048 px on the long edge, JPEG q=0.8, hash with SubtleCrypto, and keep
// the result in IndexedDB until the server holds it.
import { readExif } from './exif.js';
import * as db from './db.js';

export const LONG_EDGE = 2048;

export async function sha256Hex(buf) {
  const d = await crypto.subtle.digest('SHA-256', buf);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function decode(blob) {
  // createImageBitmap applies EXIF orientation ('from-image' is the default),
  // so the re-encoded picture stands upright without its EXIF.
  try { return await createImageBitmap(blob, { imageOrientation: 'from-image' }); } catch { /* fall back */ }
  const url = URL.createObjectURL(blob);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally { URL.revokeObjectURL(url); }
}

function toBlob(canvas, type, q) {
  return new Promise((res, rej) => canvas.toBlob((b) => (b ? res(b) : rej(new Error('encode failed'))), type, q));
}

// processPhoto returns {sha, meta} after storing the re-encoded JPEG.
export async function processPhoto(file) {
  const original = await file.arrayBuffer();
  const exif = readExif(original);
  const img = await decode(file);
  const w = img.width, h = img.height;
  const scale = Math.min(1, LONG_EDGE / Math.max(w, h));
  const cw = Math.max(1, Math.round(w * scale)), ch = Math.max(1, Math.round(h * scale));
  const canvas = document.createElement('canvas');
  canvas.width = cw; canvas.height = ch;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(img, 0, 0, cw, ch);
  if (img.close) img.close();
  const blob = await toBlob(canvas, 'image/jpeg', 0.8);
  canvas.width = canvas.height = 0; // free the bitmap early on small phones
  const bytes = await blob.arrayBuffer();
  const sha = await sha256Hex(bytes);
  const meta = {};
  if (exif.taken_at) meta.taken_at = exif.taken_at;
  if (exif.lat != null) { meta.lat = exif.lat; meta.lng = exif.lng; }
  await storeBytes(sha, 'image/jpeg', bytes, { width: cw, height: ch, original_name: file.name || '' });
  return { sha, meta };
}

export async function storeBytes(sha, type, bytes, extra = {}) {
  const have = await db.get('photos', sha);
  if (have) return;
  // ArrayBuffer rather than Blob: older Safari lost Blobs stored in IndexedDB.
  await db.put('photos', { sha, type, bytes, uploaded: false, created_at: new Date().toISOString(), ...extra });
}

const urls = new Map();
// objectURL gives a displayable URL for a stored photo (cached per sha).
export async function objectURL(sha) {
  if (urls.has(sha)) return urls.get(sha);
  const p = await db.get('photos', sha);
  if (!p) return null;
  const u = URL.createObjectURL(new Blob([p.bytes], { type: p.type }));
  urls.set(sha, u);
  return u;
}
