// Times as instants (issue 13): the server writes some times with +08:00 and
// others with Z, so a list ordered by time must compare instants, never the
// strings. Two appointments tomorrow, 09:00 Beijing written "T09:00:00+08:00"
// and 10:00 Beijing written "T02:00:00Z" (as strings, the later one sorts
// first): the technician's list shows 09:00 first, each at its Beijing time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, phone, shot } from './lib.mjs';
import { deskUnit, uiLoginAs, call, shDay } from './desk-fixture.mjs';

let browser, u;
before(async () => { browser = await launch(); u = await deskUnit('tz'); });
after(async () => { await browser?.close(); });

async function orderAt(name, from, to) {
  const id = `TZ${u.stamp.toUpperCase()}-${++u.n}`;
  await call(u.tok.sup, 'POST', '/workorders', {
    id, type: 'install', product: 'broadband', subscribed_mbps: 300, technician: u.people.tech.username,
    customer: { name, phone: '13912340000', address: '成都市锦江区测试路 3 号', tier: 'standard' }, appointment: { from, to },
  });
  const back = await call(u.tok.sup, 'GET', '/workorders/' + encodeURIComponent(id));
  return { id, from: back.appointment.from };
}

test('the technician\'s orders are in time order whatever offset their times carry', async () => {
  const day = shDay(Date.now() + 86400e3); // tomorrow in Beijing
  const ten = await orderAt('十点的客户', `${day}T02:00:00Z`, `${day}T03:00:00Z`);
  const nine = await orderAt('九点的客户', `${day}T09:00:00+08:00`, `${day}T10:00:00+08:00`);
  // The server keeps each offset as written: as strings, ten sorts before nine.
  assert.ok(ten.from < nine.from && Date.parse(nine.from) < Date.parse(ten.from), `offsets kept: ${ten.from} / ${nine.from}`);

  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await uiLoginAs(page, u.people.tech.username, `article.order[data-order="${ten.id}"]`);
  await page.waitForSelector(`article.order[data-order="${nine.id}"]`);
  const ids = await page.$$eval('article.order', (els) => els.map((e) => e.dataset.order));
  assert.deepEqual(ids.filter((x) => x === ten.id || x === nine.id), [nine.id, ten.id], '09:00 before 10:00');
  assert.match(await page.textContent(`article.order[data-order="${nine.id}"]`), /09:00/);
  assert.match(await page.textContent(`article.order[data-order="${ten.id}"]`), /10:00/);
  await shot(page, 'times-01-technician');
  await ctx.close();
});
