// The server's log after a whole browser run holds no secret: no password
// (the demo logins are known here), no bearer/refresh/file token, no full
// customer phone number. Only the structured log lines (JSON, stderr) are
// read: the demo's printed logins on stdout are there on purpose.
//   node loghygiene.mjs SERVER_LOG
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const passwords = (process.env.FC_LOGINS || '').split(';').filter(Boolean).map((l) => l.trim().split(/\s+/)[2]).filter(Boolean);
const checks = [
  ['a JWT', /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  // Not inside a longer token: a photo's sha256 in hex may hold eleven digits
  // in a row that read like a mobile number.
  ['a full mobile number', /(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])/],
  ['a password field', /"password"\s*:/i],
  ['an Authorization header', /bearer\s+[A-Za-z0-9._-]{16,}/i],
];
let lines = 0;
const bad = [];
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.startsWith('{')) continue;
  lines++;
  for (const [what, re] of checks) if (re.test(line)) bad.push(`${what}: ${line.slice(0, 300)}`);
  for (const pw of passwords) if (pw.length >= 6 && line.includes(pw)) bad.push(`a demo password: ${line.slice(0, 300)}`);
}
if (lines === 0) { console.error(`loghygiene: no JSON log lines in ${file}`); process.exit(1); }
if (bad.length) {
  console.error(`loghygiene: ${bad.length} log line(s) hold a secret:\n` + bad.slice(0, 20).join('\n'));
  process.exit(1);
}
console.log(`loghygiene: ${lines} log lines, no password, token or full phone number`);
