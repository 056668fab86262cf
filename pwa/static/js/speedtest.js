// Browser speed test against our own server (API.md Speed test): several
// parallel streams, the first second of each direction discarded as TCP
// warm-up, then download, upload, ping and jitter.
import { authedFetch } from './api.js';

const STREAMS = 4;
const WARMUP_MS = 1000;
const MAX_MS = 8000;

async function download(onProgress) {
  const t0 = performance.now();
  let counted = 0, startAt = 0, startBytes = 0, total = 0;
  const ctl = new AbortController();
  const stopAt = setTimeout(() => ctl.abort(), MAX_MS + WARMUP_MS);
  const one = async () => {
    const res = await authedFetch('/speedtest/download?mb=25', { signal: ctl.signal });
    if (!res.ok || !res.body) throw new Error(res.status === 429 ? 'rate_limited' : 'HTTP ' + res.status);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      const now = performance.now();
      if (!startAt && now - t0 >= WARMUP_MS) { startAt = now; startBytes = total; }
      if (startAt) counted = total - startBytes;
      onProgress?.('down', total);
    }
  };
  try { await Promise.all(Array.from({ length: STREAMS }, one)); } catch (e) { if (!ctl.signal.aborted) throw e; } finally { clearTimeout(stopAt); }
  const end = performance.now();
  if (!startAt) return (total * 8) / ((end - t0) / 1000) / 1e6; // finished inside the warm-up: use everything
  return (counted * 8) / ((end - startAt) / 1000) / 1e6;
}

// upload: one small warm-up request (discarded) estimates the line, then
// STREAMS parallel uploads sized to take about UPLOAD_MS together. Few
// requests on purpose: the server allows 10 uploads a minute per technician.
const UPLOAD_MS = 5000;
async function upload() {
  const chunk = new Uint8Array(1 << 18);
  for (let i = 0; i < chunk.length; i += 65536) crypto.getRandomValues(chunk.subarray(i, i + 65536));
  const send = async (quarterMiBs) => {
    const body = new Blob(Array.from({ length: quarterMiBs }, () => chunk));
    const res = await authedFetch('/speedtest/upload', { method: 'POST', body, headers: { 'Content-Type': 'application/octet-stream' } });
    if (!res.ok) throw new Error(res.status === 429 ? 'rate_limited' : 'HTTP ' + res.status);
    await res.arrayBuffer();
    return quarterMiBs * chunk.length;
  };
  const w0 = performance.now();
  const warm = await send(4); // 1 MiB
  const rough = warm / Math.max(1, performance.now() - w0); // bytes per ms
  const per = Math.max(1, Math.min(100, Math.round((rough * UPLOAD_MS) / STREAMS / chunk.length)));
  const t0 = performance.now();
  const sent = await Promise.all(Array.from({ length: STREAMS }, () => send(per)));
  const bytes = sent.reduce((a, b) => a + b, 0);
  return (bytes * 8) / ((performance.now() - t0) / 1000) / 1e6;
}

async function ping() {
  const times = [];
  for (let i = 0; i < 11; i++) {
    const t0 = performance.now();
    const res = await authedFetch('/speedtest/ping');
    await res.arrayBuffer();
    if (i > 0) times.push(performance.now() - t0); // first one warms the connection
  }
  const avg = times.reduce((a, b) => a + b, 0) / times.length;
  let jit = 0;
  for (let i = 1; i < times.length; i++) jit += Math.abs(times[i] - times[i - 1]);
  jit /= times.length - 1;
  return { ping: avg, jitter: jit };
}

const r2 = (x) => Math.round(x * 100) / 100;

export async function runSpeedtest(onPhase) {
  onPhase?.('ping');
  const p = await ping();
  onPhase?.('down');
  const down = await download();
  onPhase?.('up');
  const up = await upload();
  return { down_mbps: r2(down), up_mbps: r2(up), ping_ms: r2(p.ping), jitter_ms: r2(p.jitter), method: 'browser' };
}
