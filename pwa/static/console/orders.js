// orders.js — 工单 (work orders) in the operator's console: the list with
// filters (date, unit, technician, type, state) paged by the API's keyset
// cursor, several reassigned at once (all or none: POST /workorders/reassign),
// one order's page (reassign, cancel with a reason), a new order, and 导入
// (orders-import.js). Admins see every unit; a supervisor their own (the
// server scopes every call). Online only.
import {
  h, L, both, call, qs, ui, nameOf, nameEl, fmtTime, isAdmin, toast,
  field, input, select, textarea, form, guard, table, pager, errorBox, page, loading, ApiError,
} from './kit.js';
import {
  TYPES, STATES, TIERS, opts, typeText, tierText, statePill, personText, techOptions, unitOptions,
  toLocalInput, fromLocalInput, windowText,
} from './orders-common.js';
import { consoleStyle } from './orders-style.js';

const enc = encodeURIComponent;
const PAGE = 50;

export async function render(main, path) {
  consoleStyle();
  const rest = path.replace(/^\/console\/orders\/?/, '');
  if (rest === 'import') return (await import('./orders-import.js')).render(main, path);
  if (rest === 'new') return newOrder(main);
  if (rest) return orderPage(main, decodeURIComponent(rest));
  return list(main);
}

const orderHref = (id) => '/console/orders/' + enc(id);

// ---------- the list ----------
// The filters stay while the console is open (coming back from an order).
const filters = { from: '', to: '', unit: '', technician: '', type: '', status: '' };

async function list(main) {
  page(main, '工单', 'Work orders', loading());
  let techs, units;
  try { [techs, units] = await Promise.all([techOptions(L('全部', 'All')), unitOptions(L('全部', 'All'))]); } catch (e) {
    page(main, '工单', 'Work orders', errorBox(e));
    return;
  }
  const f = h('form', { class: 'cfilters', id: 'wo-filters', role: 'search', onsubmit: (e) => { e.preventDefault(); } });
  const onChange = () => { for (const el of f.elements) if (el.name) filters[el.name] = el.value; reload(); };
  const fl = (name, label, el) => { const w = field(name, label, el); el.addEventListener('change', onChange); return w; };
  f.append(...[
    fl('from', L('预约从', 'From'), input({ type: 'date', value: filters.from })),
    fl('to', L('至', 'To'), input({ type: 'date', value: filters.to })),
    isAdmin() ? fl('unit', L('单位', 'Unit'), select('unit', units, filters.unit)) : null,
    fl('technician', L('装维人员', 'Technician'), select('technician', techs, filters.technician)),
    fl('type', L('类型', 'Type'), select('type', opts(TYPES, L('全部', 'All')), filters.type)),
    fl('status', L('状态', 'State'), select('status', opts(STATES, L('全部', 'All')), filters.status))].filter(Boolean));

  // Rows shown, by id: what the list read (its version is what a
  // reassignment says it saw).
  const shown = new Map();
  const picked = new Set();
  const count = h('span', { id: 'wo-picked', 'aria-live': 'polite' });
  const bulkTech = select('technician', techs.slice(1), '');
  const bulk = h('div', { class: 'row wo-bulk', id: 'wo-bulk' },
    count, field('technician', L('改派给', 'Reassign to'), bulkTech),
    h('button', { type: 'submit', class: 'btn primary', id: 'wo-reassign' }, both('批量改派', 'Reassign')),
    h('span', { class: 'small muted' }, L('全部成功或全部不改', 'all or none')));
  const holder = h('div', { id: 'wo-list' });
  const listForm = h('form', { class: 'wo-listform', novalidate: true }, bulk, holder, h('div', { class: 'cform-msg' }));
  // .row is display:flex, which a hidden attribute does not beat.
  const paintCount = () => { count.textContent = L(`已选 ${picked.size} 张`, `${picked.size} selected`); bulk.style.display = picked.size ? '' : 'none'; };
  paintCount();

  const cols = [
    { key: 'pick', label: L('选', 'Pick'), render: (o) => {
      const closed = o.status !== 'assigned';
      return h('input', { type: 'checkbox', 'data-pick': o.id, disabled: closed, checked: picked.has(o.id), 'aria-label': L('选择工单 ', 'Select order ') + o.id,
        onchange: (e) => { if (e.target.checked) picked.add(o.id); else picked.delete(o.id); paintCount(); } });
    } },
    { key: 'id', label: L('工单号', 'Order'), render: (o) => h('a', { href: orderHref(o.id), 'data-link': '', 'data-wo': o.id }, o.id) },
    { key: 'type', label: L('类型', 'Type'), render: (o) => typeText(o.type) },
    { key: 'customer', label: L('客户', 'Customer'), render: (o) => h('span', null, o.customer?.name || '', h('br'), h('small', { class: 'muted' }, o.customer?.address || '')) },
    { key: 'technician', label: L('装维人员', 'Technician'), render: (o) => nameEl('person', o.technician) },
    isAdmin() ? { key: 'unit', label: L('单位', 'Unit'), render: (o) => nameEl('unit', o.unit) } : null,
    { key: 'appointment', label: L('预约', 'Appointment'), render: (o) => windowText(o.appointment) },
    { key: 'status', label: L('状态', 'State'), render: (o) => h('span', null, statePill(o.status), h('small', { class: 'ferr', 'data-row-err': o.id })) },
  ].filter(Boolean);
  let tbl = null;
  const pg = pager(holder, (after) => call('GET', '/workorders?' + qs({ ...filters, limit: PAGE, after })), (items, append) => {
    if (!append || !tbl) {
      shown.clear();
      tbl?.remove();
      tbl = table(cols, [], { empty: L('没有符合条件的工单', 'No orders match') });
      holder.prepend(tbl);
    }
    for (const o of items) shown.set(o.id, o);
    tbl.addRows(items);
    tbl.querySelector('[data-empty]')?.toggleAttribute('hidden', shown.size > 0);
    holder.dataset.ready = '';
    holder.dataset.count = String(shown.size);
  });
  const reload = () => { picked.clear(); paintCount(); delete holder.dataset.ready; pg.reload(); };

  // 批量改派: the versions the list showed; a 409 shows what changed and a
  // retry goes with what the server holds now.
  listForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const ids = [...picked];
    const tech = bulkTech.value;
    listForm.querySelectorAll('[data-row-err]').forEach((s) => { s.removeAttribute('data-err'); s.textContent = ''; });
    ids.forEach((id, i) => listForm.querySelector(`[data-row-err="${CSS.escape(id)}"]`)?.setAttribute('data-err', `orders[${i}]`));
    guard(listForm, async () => {
      await call('POST', '/workorders/reassign', { body: { technician: tech, orders: ids.map((id) => ({ id, version: shown.get(id)?.version || 0 })) } });
      toast(L(`已改派 ${ids.length} 张工单给 `, `Reassigned ${ids.length} to `) + nameOf('person', tech));
      reload();
    }, { reload: async () => {
      const now = await Promise.all(ids.map((id) => call('GET', '/workorders/' + enc(id)).catch(() => null)));
      const changed = now.filter((o) => o && o.version !== shown.get(o.id)?.version);
      changed.forEach((o) => shown.set(o.id, o));
      return h('ul', { class: 'wo-changed' }, changed.map((o) => h('li', { 'data-wo': o.id }, o.id + '：', personText(o.technician), ' · ', statePill(o.status),
        o.cancel_reason ? ' · ' + o.cancel_reason : '')));
    } });
  });

  page(main, '工单', 'Work orders',
    h('div', { class: 'row' },
      h('a', { class: 'btn primary', href: '/console/orders/import', 'data-link': '', id: 'wo-import' }, both('导入', 'Import')),
      h('a', { class: 'btn', href: '/console/orders/new', 'data-link': '', id: 'wo-new' }, both('新建工单', 'New order'))),
    f, listForm);
  pg.reload();
}

// ---------- a new order ----------
function orderFields(o = {}, techs = []) {
  const c = o.customer || {};
  return [
    field('id', L('工单号', 'Order number'), input({ value: o.id || '', required: true, autocomplete: 'off' })),
    field('type', L('类型', 'Type'), select('type', opts(TYPES), o.type || 'install')),
    field('product', L('产品', 'Product'), input({ value: o.product || '', placeholder: L('如 宽带 300M', 'e.g. broadband 300M') })),
    field('subscribed_mbps', L('签约速率（Mbps）', 'Subscribed (Mbps)'), input({ type: 'number', min: 0, step: 'any', value: o.subscribed_mbps ?? '' })),
    field('customer.name', L('客户姓名', 'Customer name'), input({ value: c.name || '' })),
    field('customer.phone', L('联系电话', 'Phone'), input({ type: 'tel', value: c.phone || '' })),
    field('customer.address', L('地址', 'Address'), input({ value: c.address || '' })),
    field('customer.tier', L('客户等级', 'Tier'), select('customer.tier', opts(TIERS), c.tier || 'standard')),
    field('technician', L('装维人员', 'Technician'), select('technician', [['', L('请选择', 'Choose')], ...techs], o.technician || '')),
    field('appointment.from', L('预约开始', 'Appointment from'), input({ type: 'datetime-local', value: toLocalInput(o.appointment?.from) })),
    field('appointment.to', L('预约结束', 'Appointment to'), input({ type: 'datetime-local', value: toLocalInput(o.appointment?.to) })),
  ];
}

function orderBody(v) {
  const b = {
    id: v.id.trim(), type: v.type, product: v.product.trim(), technician: v.technician,
    customer: { name: v['customer.name'].trim(), phone: v['customer.phone'].trim(), address: v['customer.address'].trim(), tier: v['customer.tier'] },
  };
  if (v.subscribed_mbps !== '') b.subscribed_mbps = Number(v.subscribed_mbps);
  if (v['appointment.from'] || v['appointment.to']) b.appointment = { from: fromLocalInput(v['appointment.from']), to: fromLocalInput(v['appointment.to']) };
  return b;
}

async function newOrder(main) {
  page(main, '新建工单', 'New work order', loading());
  let techs;
  try { techs = await techOptions(); } catch (e) { page(main, '新建工单', 'New work order', errorBox(e)); return; }
  let lastId = '';
  const f = form({
    fields: orderFields({}, techs), submit: both('创建', 'Create'), cls: 'wo-form',
    onSubmit: async (v) => {
      lastId = v.id.trim();
      const o = await call('POST', '/workorders', { body: orderBody(v) });
      toast(L('工单已创建', 'Order created'));
      ui.navigate(orderHref(o.id));
    },
    // 409: the number is taken; show that order.
    reload: async () => (lastId ? summary(await call('GET', '/workorders/' + enc(lastId))) : null),
    cancel: () => ui.navigate('/console/orders'),
  });
  f.id = 'wo-create';
  page(main, '新建工单', 'New work order', back(), f);
}

const back = () => h('div', { class: 'row' }, h('a', { href: '/console/orders', 'data-link': '', class: 'btn small', id: 'wo-back' }, '← ' + both('工单', 'Work orders')));

function summary(o) {
  return h('span', { 'data-now': o.id }, o.id, ' · ', typeText(o.type), ' · ', personText(o.technician), ' · ', statePill(o.status),
    ' · ', L('版本 ', 'version ') + o.version, o.cancel_reason ? ' · ' + L('撤销原因：', 'reason: ') + o.cancel_reason : '');
}

// ---------- one order ----------
async function orderPage(main, id) {
  page(main, '工单 ' + id, 'Order', loading());
  let o, techs;
  try { [o, techs] = await Promise.all([call('GET', '/workorders/' + enc(id)), techOptions()]); } catch (e) {
    page(main, '工单', 'Order', back(), e instanceof ApiError && (e.status === 404 || e.status === 403)
      ? h('p', { class: 'err', id: 'wo-missing' }, L('没有这张工单，或不在你的单位', 'No such order, or not in your unit')) : errorBox(e));
    return;
  }
  const c = o.customer || {};
  const kv = (k, v) => [h('dt', null, k), h('dd', null, v)];
  const info = h('dl', { class: 'kvgrid', id: 'wo-info', 'data-status': o.status, 'data-version': String(o.version) },
    ...kv(L('状态', 'State'), statePill(o.status)),
    ...kv(L('类型', 'Type'), typeText(o.type)),
    ...kv(L('产品', 'Product'), [nameOf('product', o.product) || '—', o.subscribed_mbps ? ` · ${o.subscribed_mbps} Mbps` : '']),
    ...kv(L('客户', 'Customer'), [c.name || '', ' · ', c.phone || '', ' · ', tierText(c.tier)]),
    ...kv(L('地址', 'Address'), c.address || '—'),
    ...kv(L('装维人员', 'Technician'), nameEl('person', o.technician)),
    ...kv(L('单位', 'Unit'), nameEl('unit', o.unit)),
    ...kv(L('预约', 'Appointment'), windowText(o.appointment)),
    ...kv(L('更新于', 'Updated'), fmtTime(o.updated_at)),
    ...(o.completed_at ? kv(L('竣工于', 'Completed'), fmtTime(o.completed_at)) : []),
    ...(o.cancel_reason ? kv(L('撤销原因', 'Why cancelled'), h('span', { id: 'wo-reason' }, o.cancel_reason)) : []));
  const parts = [back(), info, h('div', { class: 'row' }, h('a', { class: 'btn small', href: '/wo/' + enc(id), 'data-link': '', id: 'wo-sheet' }, both('验收单与回访', 'Sheet and callback')))];
  if (o.status === 'assigned') {
    const again = async () => { const n = await call('GET', '/workorders/' + enc(id)); o.version = n.version; return summary(n); };
    const re = form({
      fields: [field('technician', L('改派给', 'Reassign to'), select('technician', techs.filter(([u]) => u !== o.technician), ''))],
      submit: both('改派', 'Reassign'), cls: 'wo-reassign',
      onSubmit: async (v) => {
        await call('PATCH', '/workorders/' + enc(id), { body: { technician: v.technician, version: o.version } });
        toast(L('已改派，装维人员下次同步即可看到', 'Reassigned; the technician sees it on the next sync'));
        ui.render();
      },
      reload: again,
    });
    re.id = 'wo-reassign-form';
    const reason = textarea({ rows: 2, maxlength: 500, id: 'wo-cancel-reason' });
    const cx = form({
      fields: [field('reason', L('撤销原因（必填）', 'Why cancel (required)'), reason)],
      submit: both('撤销工单', 'Cancel order'), cls: 'wo-cancel',
      onSubmit: async (v, fe) => {
        if (!v.reason.trim()) {
          // The same place a server field error goes.
          throw new ApiError(422, { error: { code: 'validation_failed', message: L('请填写撤销原因', 'Say why'), fields: { reason: L('请填写撤销原因', 'Say why') } } });
        }
        await call('PATCH', '/workorders/' + enc(id), { body: { status: 'cancelled', reason: v.reason.trim(), version: o.version } });
        toast(L('工单已撤销', 'Order cancelled'));
        ui.render();
        return fe;
      },
      reload: again,
    });
    cx.id = 'wo-cancel-form';
    parts.push(h('h2', { class: 'csub' }, both('改派', 'Reassign')), re, h('h2', { class: 'csub' }, both('撤销', 'Cancel')), cx);
  }
  page(main, '工单 ' + id, 'Order', ...parts);
}
