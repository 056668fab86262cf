// A small EXIF reader: DateTimeOriginal (+ OffsetTimeOriginal), GPS and
// Orientation from a JPEG's APP1 segment. It must run on the ORIGINAL bytes:
// a canvas re-encode drops every EXIF tag.
export function readExif(buf) {
  const v = new DataView(buf instanceof ArrayBuffer ? buf : buf.buffer);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return {};
  let off = 2;
  while (off + 4 <= v.byteLength) {
    const marker = v.getUint16(off);
    if ((marker & 0xff00) !== 0xff00) break;
    if (marker === 0xffda || marker === 0xffd9) break; // image data: no more metadata
    const len = v.getUint16(off + 2);
    if (marker === 0xffe1 && len >= 8 && v.getUint32(off + 4) === 0x45786966 /* Exif */) {
      try { return parseTiff(v, off + 10, len - 8); } catch { return {}; }
    }
    off += 2 + len;
  }
  return {};
}

const TYPE_SIZE = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

function parseTiff(v, start, length) {
  const end = Math.min(v.byteLength, start + length);
  const little = v.getUint16(start) === 0x4949;
  const u16 = (o) => { if (o + 2 > end) throw new RangeError(); return v.getUint16(o, little); };
  const u32 = (o) => { if (o + 4 > end) throw new RangeError(); return v.getUint32(o, little); };
  if (u16(start + 2) !== 42) return {};

  function ifd(rel) {
    const out = {};
    const at = start + rel;
    const n = u16(at);
    if (n > 500) throw new RangeError();
    for (let i = 0; i < n; i++) {
      const e = at + 2 + i * 12;
      const tag = u16(e), type = u16(e + 2), count = u32(e + 4);
      const size = (TYPE_SIZE[type] || 1) * count;
      const dataAt = size > 4 ? start + u32(e + 8) : e + 8;
      if (dataAt + size > end) continue;
      out[tag] = value(type, count, dataAt);
    }
    return out;
  }
  function value(type, count, at) {
    switch (type) {
      case 2: { let s = ''; for (let i = 0; i < count; i++) { const c = v.getUint8(at + i); if (!c) break; s += String.fromCharCode(c); } return s; }
      case 3: return count === 1 ? u16(at) : Array.from({ length: count }, (_, i) => u16(at + 2 * i));
      case 4: return count === 1 ? u32(at) : Array.from({ length: count }, (_, i) => u32(at + 4 * i));
      case 5: return Array.from({ length: count }, (_, i) => { const d = u32(at + 8 * i + 4); return d ? u32(at + 8 * i) / d : 0; });
      case 10: return Array.from({ length: count }, (_, i) => { const d = v.getInt32(at + 8 * i + 4, little); return d ? v.getInt32(at + 8 * i, little) / d : 0; });
      default: return count === 1 ? v.getUint8(at) : null;
    }
  }

  const ifd0 = ifd(u32(start + 4));
  const out = {};
  if (ifd0[0x0112]) out.orientation = ifd0[0x0112];
  const exif = ifd0[0x8769] ? ifd(ifd0[0x8769]) : {};
  const dt = exif[0x9003] || exif[0x9004] || ifd0[0x0132];
  if (dt) out.taken_at = exifTime(dt, exif[0x9011]);
  if (ifd0[0x8825]) {
    const g = ifd(ifd0[0x8825]);
    const lat = dms(g[2]), lng = dms(g[4]);
    if (lat != null && lng != null && !(lat === 0 && lng === 0)) {
      out.lat = round6(g[1] === 'S' ? -lat : lat);
      out.lng = round6(g[3] === 'W' ? -lng : lng);
    }
  }
  return out;
}

function dms(a) { return Array.isArray(a) && a.length === 3 ? a[0] + a[1] / 60 + a[2] / 3600 : null; }
function round6(x) { return Math.round(x * 1e6) / 1e6; }

// exifTime turns "2026:11:20 10:15:00" into RFC 3339. EXIF carries no zone
// unless OffsetTimeOriginal is set; without it the time is Asia/Shanghai wall
// time (API.md Photos), so +08:00.
export function exifTime(s, offset) {
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(s || '');
  if (!m || m[1] === '0000') return null;
  const off = /^[+-]\d{2}:\d{2}$/.test(offset || '') ? offset : '+08:00';
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${off}`;
}
