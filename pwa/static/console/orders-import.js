// orders-import.js — 导入: work orders from a CSV (UTF-8 or GB18030, as
// Excel saves it) or an .xlsx workbook. The file is first previewed
// (POST /workorders/import?dry_run=1: every row checked exactly as a commit
// would, nothing written), each row shown with what it would do or what is
// wrong with it, in the row. Confirm sends the same bytes with mode=all (all
// or nothing: any bad row writes nothing) and the preview's digest: when
// orders changed meanwhile the server answers 409 with the new outcome, the
// changed rows are marked and the person confirms again.
import { h, clear, L, both, call, nameEl, toast, errorBox, page, ApiError } from './kit.js';
import { typeText, windowText } from './orders-common.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const FIELD_WORDS = {
  id: ['工单号', 'Order number'], type: ['类型', 'Type'], product: ['产品', 'Product'], subscribed_mbps: ['签约速率', 'Subscribed speed'],
  'customer.name': ['客户姓名', 'Customer name'], 'customer.phone': ['联系电话', 'Phone'], 'customer.address': ['地址', 'Address'],
  'customer.tier': ['客户等级', 'Tier'], technician: ['装维人员', 'Technician'], 'appointment.from': ['预约开始', 'Appointment from'],
  'appointment.to': ['预约结束', 'Appointment to'],
};
const fieldWord = (k) => {
  const w = FIELD_WORDS[k] || FIELD_WORDS[k.replace(/^header\./, '')];
  return w ? L(w[0], w[1]) : k;
};
const RESULT = {
  created: ['新建', 'New'], updated: ['更新已有工单', 'Updates an order'], rejected: ['有错误', 'Error'],
};

export async function render(main) {
  let file = null; // {bytes, type, name}
  let last = null; // the last preview's answer
  const status = h('div', { id: 'imp-status', 'aria-live': 'polite' });
  const rowsBox = h('div', { id: 'imp-rows' });
  const confirmBtn = h('button', { type: 'button', class: 'btn primary', id: 'imp-confirm', disabled: true }, both('确认导入', 'Confirm import'));
  // The browser's own file button speaks the browser's language: a button of
  // ours opens it.
  const pick = h('input', { type: 'file', id: 'imp-file', accept: '.csv,.xlsx,text/csv,' + XLSX, hidden: true });
  const picked = h('span', { class: 'muted', id: 'imp-name' }, L('未选择文件', 'No file chosen'));

  const send = (q) => call('POST', '/workorders/import?' + q, { raw: file.bytes, headers: { 'Content-Type': file.type }, timeout: 120000 });

  // draw shows every row: the result, the order as read, and the error in
  // its own row. changedFrom (the earlier preview) marks rows that differ.
  const draw = (ans, changedFrom) => {
    last = ans;
    const COLS = [L('行', 'Row'), L('工单号', 'Order'), L('结果', 'Result'), L('类型', 'Type'), L('客户', 'Customer'),
      L('装维人员', 'Technician'), L('预约', 'Appointment'), L('错误', 'Problem')];
    const before = new Map((changedFrom?.results || []).map((r) => [r.row, r.status]));
    const tbody = h('tbody');
    for (const r of ans.results || []) {
      const o = r.order || {};
      const c = o.customer || {};
      const changed = changedFrom && before.get(r.row) !== r.status;
      const errCell = h('td', { class: 'imp-err' });
      if (r.error) {
        errCell.append(h('b', null, r.error.message));
        const fl = Object.entries(r.error.fields || {});
        if (fl.length) errCell.append(h('ul', { class: 'ferrs' }, fl.map(([k, m]) => h('li', { 'data-field': k }, fieldWord(k) + '：' + m))));
      } else if (changed) errCell.append(h('b', null, L('预览后已变化', 'Changed since the preview')));
      const td = (label, ...kids) => h('td', { 'data-label': label }, ...kids);
      errCell.dataset.label = COLS[7];
      tbody.append(h('tr', { class: 'imp-row ' + r.status + (changed ? ' changed' : ''), 'data-row': String(r.row), 'data-status': r.status, 'data-changed': String(!!changed) },
        h('td', { class: 'num', 'data-label': COLS[0] }, String(r.row)),
        td(COLS[1], r.id || '—'),
        td(COLS[2], h('span', { class: 'pill ' + (r.status === 'rejected' ? 'bad' : r.status === 'created' ? 'ok' : '') }, L(...(RESULT[r.status] || [r.status, r.status])))),
        td(COLS[3], o.type ? typeText(o.type) : '—'),
        td(COLS[4], c.name || '—', c.phone ? h('small', { class: 'muted' }, ' ' + c.phone) : null),
        td(COLS[5], o.technician ? nameEl('person', o.technician) : '—'),
        td(COLS[6], windowText(o.appointment)),
        errCell));
    }
    clear(rowsBox).append(h('div', { class: 'ctable-wrap' }, h('table', { class: 'ctable imp-table' },
      h('thead', null, h('tr', null, COLS.map((x) => h('th', { scope: 'col' }, x)))), tbody)));
    const bad = ans.rejected || 0;
    confirmBtn.disabled = bad > 0 || !(ans.results || []).length;
    rowsBox.dataset.ready = '';
    rowsBox.dataset.rejected = String(bad);
    return bad;
  };

  const summaryLine = (ans) => L(`共 ${(ans.results || []).length} 行：新建 ${ans.created}，更新 ${ans.updated}，有错误 ${ans.rejected}`,
    `${(ans.results || []).length} rows: ${ans.created} new, ${ans.updated} updates, ${ans.rejected} with errors`);

  const fail = (e) => {
    clear(status).append(errorBox(e));
    if (e instanceof ApiError && e.fields) {
      status.append(h('ul', { class: 'ferrs', id: 'imp-file-errors' }, Object.entries(e.fields).map(([k, m]) => h('li', null, fieldWord(k) + '：' + m))));
    }
  };

  pick.addEventListener('change', async () => {
    const f = pick.files?.[0];
    if (!f) return;
    clear(rowsBox); delete rowsBox.dataset.ready;
    confirmBtn.disabled = true;
    picked.textContent = f.name;
    const isX = /\.xlsx$/i.test(f.name) || f.type === XLSX;
    file = { bytes: new Uint8Array(await f.arrayBuffer()), type: isX ? XLSX : 'text/csv', name: f.name };
    clear(status).append(h('p', { class: 'muted' }, L('正在检查每一行…', 'Checking every row…')));
    try {
      const ans = await send('dry_run=1&mode=all');
      const bad = draw(ans);
      clear(status).append(h('p', { class: bad ? 'warnbox' : 'okbox', id: 'imp-summary' }, summaryLine(ans), ' ',
        bad ? L('请在文件中改正标出的行，再重新选择文件。', 'Fix the marked rows in the file and choose it again.')
          : L('预览未写入任何数据；核对无误后点“确认导入”。', 'Nothing is written yet; check, then confirm.')));
    } catch (e) { fail(e); }
  });

  confirmBtn.addEventListener('click', async () => {
    if (!file || !last) return;
    confirmBtn.disabled = true;
    try {
      const ans = await send('mode=all&expect=' + encodeURIComponent(last.digest));
      draw(ans);
      confirmBtn.disabled = true;
      clear(status).append(h('p', { class: 'okbox', id: 'imp-done' }, L(`已导入：新建 ${ans.created} 张，更新 ${ans.updated} 张。装维人员下次同步即可看到。`,
        `Imported: ${ans.created} new, ${ans.updated} updated. Technicians see them on their next sync.`), ' ',
      h('a', { href: '/console/orders', 'data-link': '' }, both('查看工单', 'See orders'))));
      toast(L('导入完成', 'Imported'));
      file = null; pick.value = '';
    } catch (e) {
      const body = e instanceof ApiError ? e.body : null;
      if (body?.results) {
        const prev = last;
        const bad = draw(body, e.status === 409 ? prev : null);
        clear(status).append(h('div', { class: 'warnbox conflict', role: 'alert', id: 'imp-conflict', 'data-code': e.code },
          h('p', null, h('b', null, e.message)), h('p', null, summaryLine(body)),
          e.status === 409 && !bad ? h('p', null, L('标出的行在预览后被他人改动；核对后可再次确认。', 'The marked rows changed since the preview; check them and confirm again.')) : null));
        if (e.status === 409 && !bad) confirmBtn.disabled = false;
      } else { fail(e); confirmBtn.disabled = false; }
    }
  });

  page(main, '导入工单', 'Import work orders',
    h('div', { class: 'row' }, h('a', { href: '/console/orders', 'data-link': '', class: 'btn small' }, '← ' + both('工单', 'Work orders'))),
    h('div', { class: 'dlg', id: 'imp-how' },
      h('p', null, h('b', null, L('导入方式：全部或不导入。', 'All or nothing.')), ' ',
        L('选择文件后先预览每一行（不写入任何数据）；确认时只要有一行有错，整批都不写入。已存在的工单号会更新该工单。',
          'Choosing a file previews every row (nothing is written); on confirm, one bad row means nothing is written. An existing order number updates that order.')),
      h('p', { class: 'small muted' }, L('支持 Excel 保存的 .xlsx，或 CSV（UTF-8 或 GB18030）。表头：工单号、类型、产品、签约速率、客户姓名、联系电话、地址、客户等级、装维人员、预约开始、预约结束。',
        'Excel .xlsx, or CSV (UTF-8 or GB18030). Header: id, type, product, subscribed_mbps, customer_name, customer_phone, customer_address, customer_tier, technician, appointment_from, appointment_to.')),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn primary', id: 'imp-pick', onclick: () => pick.click() }, both('选择文件', 'Choose a file')), picked, pick)),
    status, rowsBox, h('div', { class: 'row' }, confirmBtn));
}
