// The PWA's house rules (issue 13), read from the sources in node, no
// browser: the shell imports no role's screens, every role module registers
// through roles.js, helpers are imported rather than lent through a shared
// object, and Beijing days and SVG nodes each have one builder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STATIC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pwa/static');
const JS = path.join(STATIC, 'js');
const read = (f) => fs.readFileSync(path.join(JS, f), 'utf8');
const code = (src) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1'); // comments out
const files = fs.readdirSync(JS).filter((f) => f.endsWith('.js'));
const staticImports = (src) => [...code(src).matchAll(/\b(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?['"]([^'"]+)['"]/g)].map((m) => path.basename(m[1]));

const ROLE_MODULES = ['technician.js', 'inspector.js', 'agent.js', 'supervisor.js', 'qa.js', 'desk.js'];

test('the shell imports no role module statically; roles.js loads each by role', () => {
  const shell = new Set(['app.js']);
  for (let grew = true; grew;) {
    grew = false;
    for (const f of [...shell]) for (const d of staticImports(read(f))) if (files.includes(d) && !shell.has(d)) { shell.add(d); grew = true; }
  }
  assert.deepEqual(ROLE_MODULES.filter((m) => shell.has(m)), [], 'role modules in the shell\'s static imports');
  const roles = read('roles.js');
  for (const m of ROLE_MODULES) assert.ok(roles.includes(`'./${m}'`), `roles.js does not load ${m}`);
  for (const m of ROLE_MODULES) assert.match(code(read(m)), /\bregister\(\{/, `${m} does not register with roles.js`);
});

test('no helpers are lent through a shared ui object', () => {
  assert.doesNotMatch(code(read('roles.js')), /export\s+const\s+ui\b/, 'roles.js lends a ui object');
  const lent = [];
  for (const dir of ['js', 'console']) {
    for (const f of fs.readdirSync(path.join(STATIC, dir)).filter((x) => x.endsWith('.js'))) {
      const src = code(fs.readFileSync(path.join(STATIC, dir, f), 'utf8'));
      if (/import\s*\{[^}]*\bui\b[^}]*\}\s*from\s*['"][^'"]*roles\.js['"]/.test(src) || /Object\.assign\(\s*roles\.ui\b/.test(src)) lent.push(`${dir}/${f}`);
    }
  }
  assert.deepEqual(lent, []);
});

test('one Beijing-time day formatter (shtime.js) and one SVG builder (dom.js)', () => {
  const days = files.filter((f) => f !== 'shtime.js' && f !== 'i18n.js' && /Asia\/Shanghai|288e5|8 \* 36e5/.test(code(read(f))));
  assert.deepEqual(days, [], 'modules with their own Asia/Shanghai formatter');
  const svgs = files.filter((f) => f !== 'dom.js' && /createElementNS/.test(code(read(f))));
  assert.deepEqual(svgs, [], 'modules with their own SVG builder');
});

test('shtime: Beijing days and wall times whatever the clock zone', async () => {
  const { shDay, shLocal, fromShLocal } = await import(path.join(JS, 'shtime.js'));
  assert.equal(shDay('2026-12-04T15:59:00Z'), '2026-12-04');
  assert.equal(shDay('2026-12-04T16:00:00Z'), '2026-12-05', 'Beijing midnight is 16:00 UTC');
  assert.equal(shDay(new Date('2026-12-05T00:10:00+08:00')), '2026-12-05');
  assert.equal(shDay(Date.parse('2026-12-31T23:59:00+08:00')), '2026-12-31');
  assert.equal(shLocal(new Date('2026-12-04T16:05:00Z')), '2026-12-05T00:05', 'no "24" for midnight');
  assert.equal(fromShLocal('2026-12-05T00:05').toISOString(), '2026-12-04T16:05:00.000Z');
  assert.equal(fromShLocal(''), null);
});
