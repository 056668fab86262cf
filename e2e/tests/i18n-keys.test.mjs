// The zh and en dictionaries have the same keys (issue 13): a word added in
// one language only would show its key to the other language's users.
// Runs in node without a browser: the base dictionary comes from i18n.js
// itself; every module's addStrings({zh}, {en}) call is read from its source
// and evaluated on its own (its arguments are plain object literals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const STATIC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pwa/static');

function jsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'vendor' ? [] : jsFiles(p);
    return e.name.endsWith('.js') ? [p] : [];
  });
}

// callArgs returns the source text between the parentheses of each call to
// name( … ) in src, matching brackets and skipping strings and comments.
function callArgs(src, name) {
  const out = [];
  const re = new RegExp(`(?<![\\w.])${name}\\(`, 'g');
  let m;
  while ((m = re.exec(src))) {
    let depth = 1, i = m.index + m[0].length, quote = null;
    const start = i;
    for (; i < src.length && depth > 0; i++) {
      const c = src[i];
      if (quote) {
        if (c === '\\') i++; else if (c === quote) quote = null;
        continue;
      }
      if (c === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); continue; }
      if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i) + 1; continue; }
      if (c === '"' || c === "'" || c === '`') quote = c;
      else if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) depth--;
    }
    out.push(src.slice(start, i - 1));
  }
  return out;
}

function diff(where, zh, en) {
  const z = Object.keys(zh), e = Object.keys(en);
  const onlyZh = z.filter((k) => !(k in en)), onlyEn = e.filter((k) => !(k in zh));
  const blank = [...z.filter((k) => typeof zh[k] === 'string' && !zh[k].trim()).map((k) => 'zh.' + k),
    ...e.filter((k) => typeof en[k] === 'string' && !en[k].trim()).map((k) => 'en.' + k)];
  return [...onlyZh.map((k) => `${where}: "${k}" has zh but no en`), ...onlyEn.map((k) => `${where}: "${k}" has en but no zh`),
    ...blank.map((k) => `${where}: ${k} is empty`)];
}

test('every word has both a zh and an en text, in the base dictionary and in each module', () => {
  const problems = [];
  let calls = 0;
  for (const file of jsFiles(STATIC)) {
    const src = fs.readFileSync(file, 'utf8');
    const rel = path.relative(STATIC, file);
    if (rel === path.join('js', 'i18n.js')) {
      const body = src.slice(src.indexOf('const dict = '), src.indexOf('\n};', src.indexOf('const dict = ')) + 3);
      const dict = vm.runInNewContext(body.replace('const dict = ', '(') .replace(/;\s*$/, ')'));
      problems.push(...diff(rel, dict.zh, dict.en));
      continue;
    }
    for (const args of callArgs(src, 'addStrings')) {
      calls++;
      let pair;
      try { pair = vm.runInNewContext('[' + args + ']'); } catch (e) { problems.push(`${rel}: addStrings(...) is not two plain objects: ${e.message}`); continue; }
      if (pair.length !== 2) { problems.push(`${rel}: addStrings takes (zh, en), got ${pair.length} arguments`); continue; }
      problems.push(...diff(rel, pair[0], pair[1]));
    }
  }
  assert.ok(calls > 0, 'no addStrings calls found: the reader is broken');
  assert.deepEqual(problems, []);
});
