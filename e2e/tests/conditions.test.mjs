// The phone's form logic against the server's: checklists/testdata/conditions.json
// is one table of conditions and answers, run here through the PWA's own
// modules (conds.js, rules.js, score.js) and in Go by checklists/conditions_test.go.
// No browser and no server: node imports the modules as the phone does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hiddenItems, families, factsOf } from '../../pwa/static/js/conds.js';
import { validate } from '../../pwa/static/js/rules.js';
import { score } from '../../pwa/static/js/score.js';

const root = new URL('../../', import.meta.url);
const json = (p) => JSON.parse(readFileSync(new URL(p, root), 'utf8'));
const table = json('checklists/testdata/conditions.json');
const templateOf = (name) => (name.startsWith('builtin:') ? json(`checklists/builtin/${name.slice(8)}.json`) : table.templates[name]);

test('the table has the seed 004 cases', () => {
  assert.ok(table.cases.length >= 10);
  assert.ok(table.cases.some((c) => /removal/.test(c.name) && c.expect.errors.length === 0));
});

for (const c of table.cases) {
  test(c.name, () => {
    const tpl = templateOf(c.template);
    const sheet = { answers: c.answers || {}, photos: c.photos || {} };
    assert.deepEqual([...hiddenItems(tpl, sheet, c.facts)].sort(), c.expect.hidden, 'hidden items');
    assert.deepEqual(Object.keys(validate(tpl, sheet, c.facts)).sort(), c.expect.errors, 'validation fields');
    if (c.expect.score) {
      const r = score(tpl, sheet.answers, { subscribedMbps: c.subscribed_mbps || 0, facts: c.facts, photos: sheet.photos });
      for (const [k, want] of Object.entries(c.expect.score)) {
        if (want === false && !(k in r)) continue;
        assert.deepEqual(r[k], want, 'score ' + k);
      }
    }
  });
}

test('product families and the facts of an order or a store', () => {
  assert.deepEqual(families('宽带+IPTV+固话'), ['broadband', 'iptv', 'phone']);
  assert.deepEqual(families('固话'), ['phone']);
  assert.deepEqual(families('FTTH 光纤'), ['broadband']);
  assert.deepEqual(factsOf({ type: 'removal', product: '宽带', customer: { tier: 'vip' } }),
    { order_type: 'removal', product: '宽带', customer_tier: 'vip', customer_kind: '' });
  assert.deepEqual(factsOf(null, { kind: '旗舰店' }), { store_kind: '旗舰店' });
  assert.equal(factsOf(null, null), null);
});
