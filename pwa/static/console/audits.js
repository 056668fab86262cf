// The enterprise service audit on a phone or a laptop (政企客户服务标准稽查,
// seed 000; issue 20): my audits, a new audit of a unit with its claims
// (认领目标), the items grouped by 服务环节 / 服务标准, 工单抽查 samples drawn by
// the server (online, before going out) and kept on the phone, verdicts and
// photo evidence made offline and sent by the outbox (js/audit-outbox.js, js/outbox.js),
// the 方案 time-limit rate as computed, filing and the report.
// Loaded when first opened (not on the phone's first load); the service
// worker keeps it once fetched, so it opens with no signal afterwards.
import { h } from '../js/dom.js';
import { t, addStrings, fmtTime } from '../js/i18n.js';
import * as ui from '../js/nav.js';
import { nameEl, nameOf } from '../js/names.js';
import { api, isOnline, checkOnline, authedFetch, currentSession, ApiError } from '../js/api.js';
import * as db from '../js/db.js';
import { onScreen } from '../js/bus.js';
import { processPhoto, objectURL } from '../js/photo.js';
import * as out from '../js/audit-outbox.js';

addStrings({
  au_title: '政企服务稽查', au_intro: '抽样需联网，判定和照片可离线完成，联网后自动发送', au_new: '开始稽查', au_none: '还没有稽查',
  au_list_cached: '离线：显示 {t} 获取的列表', au_never: '尚未从服务器获取，请联网', au_draft: '进行中', au_filed: '已归档',
  au_unit: '被稽查单位', au_auditor: '稽查人员', au_contact: '联系方式', au_claims: '认领目标', au_claims_help: '未认领（不提供）的项不适用，不计入结果',
  au_claim: '提供', au_create: '开始', au_new_online: '开始稽查需要联网', au_created: '开始于 {t}', au_filed_at: '归档于 {t}',
  au_not_cached: '本机没有这次稽查，请联网打开一次', au_offline_note: '离线：显示 {t} 获取的内容，判定和照片联网后自动发送',
  au_applicable: '适用 {n} 项', au_passed: '达标 {n}', au_failed: '不达标 {n}', au_waiting: '待发送 {n} 项',
  au_r_pass: '达标', au_r_fail: '不达标', au_r_pending: '待判定', au_r_short: '样本不足', au_r_not_applicable: '不适用（未认领）',
  au_m_onsite: '现场检查', au_m_orders: '查看工单', au_m_sample: '工单抽查', au_m_walkthrough: '流程穿越', au_m_documents: '查看文件或系统',
  au_desc: '标准说明', au_check: '检查方法', au_materials: '所需物料', au_lines: '业务类型',
  au_ok: '符合', au_bad: '不符合', au_note: '说明', au_draw: '抽取样本', au_draw_online: '抽取样本需要联网，请出发前完成',
  au_draw_line: '{l}：候选 {c} 张，抽取 {n} 张', au_short: '候选工单不足：近 3 个月只有 {c} 张，需 {n} 张，本项不能判为达标',
  au_drawn_at: '抽取于 {t}', au_no_orders: '没有抽到工单', au_timely: '及时率 {p}%（按时 {a} / {n} 张），目标 {g}%',
  au_timely_none: '近 3 个月没有可计算的方案工单', au_timely_pending: '未到期 {n} 张不计入', au_late: '超时工单',
  au_evidence: '证据', au_photo: '拍照', au_pick: '选择照片或文件截图', au_unsent: '待发送',
  au_refused: '服务器未接受', au_drop: '放弃此项', au_advice: '建议', au_file: '归档稽查', au_file_online: '归档需要联网，且所有判定已发送',
  au_file_confirm: '归档后不能再修改，确定归档？', au_report: '稽查报告', au_xlsx: '下载 Excel', au_zip: '下载含证据的压缩包',
  au_report_online: '下载报告需要联网', au_judged: '已判定 {a}/{n} 张',
}, {
  au_title: 'Enterprise service audits', au_intro: 'Drawing samples needs a connection; verdicts and photos work offline and are sent once online', au_new: 'Start an audit', au_none: 'No audits yet',
  au_list_cached: 'Offline: showing the list fetched {t}', au_never: 'Not fetched from the server yet; go online', au_draft: 'In progress', au_filed: 'Filed',
  au_unit: 'Unit audited', au_auditor: 'Auditor', au_contact: 'Contact', au_claims: 'Claimed services', au_claims_help: 'An unclaimed item (not provided) is not applicable and not counted',
  au_claim: 'Provided', au_create: 'Start', au_new_online: 'Starting an audit needs a connection', au_created: 'Started {t}', au_filed_at: 'Filed {t}',
  au_not_cached: 'This audit is not on this phone; open it once online', au_offline_note: 'Offline: showing what was fetched {t}; verdicts and photos are sent once online',
  au_applicable: '{n} items apply', au_passed: '{n} passed', au_failed: '{n} failed', au_waiting: '{n} waiting to send',
  au_r_pass: 'Pass', au_r_fail: 'Fail', au_r_pending: 'Not judged', au_r_short: 'Too few orders', au_r_not_applicable: 'Not applicable (unclaimed)',
  au_m_onsite: 'On-site check', au_m_orders: 'Order review', au_m_sample: 'Order sample', au_m_walkthrough: 'Process walkthrough', au_m_documents: 'Documents or systems',
  au_desc: 'Standard', au_check: 'How to check', au_materials: 'Materials needed', au_lines: 'Lines',
  au_ok: 'Conforms', au_bad: 'Does not conform', au_note: 'Note', au_draw: 'Draw the sample', au_draw_online: 'Drawing the sample needs a connection; do it before going out',
  au_draw_line: '{l}: {c} candidates, {n} drawn', au_short: 'Too few candidates: {c} in the last 3 months, {n} needed; this item cannot pass',
  au_drawn_at: 'Drawn {t}', au_no_orders: 'No orders drawn', au_timely: 'On time {p}% ({a} of {n} orders), target {g}%',
  au_timely_none: 'No proposal orders to compute in the last 3 months', au_timely_pending: '{n} not yet due, not counted', au_late: 'Late orders',
  au_evidence: 'Evidence', au_photo: 'Take photo', au_pick: 'Pick a photo or a screenshot of a document', au_unsent: 'Waiting to send',
  au_refused: 'Not accepted by the server', au_drop: 'Give this up', au_advice: 'Advice', au_file: 'File the audit', au_file_online: 'Filing needs a connection and every verdict sent',
  au_file_confirm: 'A filed audit can no longer change. File it?', au_report: 'Audit report', au_xlsx: 'Download Excel', au_zip: 'Download zip with evidence',
  au_report_online: 'Downloading the report needs a connection', au_judged: '{a} of {n} judged',
});

const enc = encodeURIComponent;
const CSS = `.au-item .au-meta{font-size:.85rem;color:#667}.au-item details{margin:6px 0}.au-item details p{margin:4px 0;font-size:.9rem}
.au-order{border-top:1px solid #e3e6ea;padding:8px 0}.au-order .seg{margin:6px 0}.au-note{width:100%;min-height:40px;font:inherit;box-sizing:border-box}
.au-r-pass{background:#dff3e4;color:#176b2c}.au-r-fail{background:#fde2e1;color:#a11}.au-r-short{background:#fff1c7;color:#7a5a00}
.au-ev{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}.au-ev figure{margin:0;width:96px}.au-ev img{width:96px;height:72px;object-fit:cover;border-radius:6px}
.au-ev figcaption{font-size:.7rem;word-break:break-all}.au-stage{margin-top:18px}.au-sum{display:flex;flex-wrap:wrap;gap:8px}
#au-claims label{display:flex;align-items:center;gap:8px;margin:6px 0}#au-claims input{width:22px;height:22px;min-height:0;flex:none;margin:0}#au-claims h4{margin:12px 0 2px}
@media(min-width:900px){#au-items{display:grid;grid-template-columns:1fr 1fr;gap:10px}#au-items h3{grid-column:1/-1}}`;
function style() { if (!document.getElementById('au-css')) document.head.append(h('style', { id: 'au-css' }, CSS)); }

const back = (href) => h('div', { class: 'row' }, h('a', { href, 'data-link': '', class: 'btn small' }, '← ' + t('back')));
const pill = (text, cls = '') => h('span', { class: 'pill ' + cls }, text);
const resultPill = (r) => h('span', { class: 'pill au-r-' + r, 'data-result': r }, t('au_r_' + r));
const fmtN = (n) => String(Math.round(n * 10) / 10);
// known: whether the server answers, asked once when a screen opens on a
// fresh page load (before the app's first check has come back).
const known = async () => isOnline() || checkOnline();
const errText = (e) => (e instanceof ApiError && e.fields ? Object.values(e.fields).join('；') : '') || e.message;

// ---------- my audits ----------

export async function auditList() {
  style();
  await known();
  const main = ui.main;
  main.append(back('/'), h('h2', null, t('au_title')), h('p', { class: 'muted small' }, t('au_intro')),
    h('a', { class: 'btn primary big', href: '/audits/new', 'data-link': '', id: 'au-new' }, t('au_new')));
  const body = h('div', { id: 'au-list' });
  main.append(body);
  const draw = async (v, note) => {
    const waiting = await out.ops();
    body.replaceChildren(h('p', { class: 'muted small' }, note),
      v && v.items.length ? h('div', { class: 'cards' }, v.items.map((a) => {
        const n = waiting.filter((o) => o.audit === a.id).length;
        return h('a', { class: 'card au-card', href: '/audits/' + enc(a.id), 'data-link': '', 'data-audit': a.id, 'data-status': a.status },
          h('div', { class: 'row between' }, h('b', null, nameEl('unit', a.unit)), pill(t(a.status === 'filed' ? 'au_filed' : 'au_draft'), a.status === 'filed' ? '' : 'au-r-short')),
          h('div', { class: 'muted small' }, t('au_created', { t: fmtTime(a.created_at) }), a.filed_at ? ' · ' + t('au_filed_at', { t: fmtTime(a.filed_at) }) : '', ' · ', a.auditor_name),
          n ? h('div', null, pill(t('au_waiting', { n }), 'au-r-short')) : null);
      })) : h('p', { class: 'muted' }, v ? t('au_none') : t('au_never')));
  };
  const cached = await db.kvGet('audit.list');
  await draw(cached, cached && !isOnline() ? t('au_list_cached', { t: fmtTime(cached.at) }) : '');
  if (!isOnline()) return;
  try {
    const r = await api('GET', '/audits?limit=200');
    const v = { at: new Date().toISOString(), items: (r.items || []).sort((a, b) => Date.parse(b.created_at || 0) - Date.parse(a.created_at || 0)) };
    await db.kvSet('audit.list', v);
    if (location.pathname === '/audits') await draw(v, '');
    // Audits in progress are kept on the phone for the day out.
    for (const a of v.items.filter((x) => x.status !== 'filed').slice(0, 10)) await out.fetchAudit(a.id).catch(() => {});
  } catch { /* offline after all: the cache stays */ }
}

// ---------- a new audit ----------

async function definition() {
  if (isOnline()) {
    try { const d = await api('GET', '/audits/definition'); await db.kvSet('audit.def', d); return d; } catch { /* the cache */ }
  }
  return db.kvGet('audit.def');
}

// groups: items by 服务环节 / 服务标准 in the definition's order.
function groups(items, key) {
  const out = new Map();
  for (const x of items) {
    const it = key(x);
    const k = it.stage + ' / ' + it.standard;
    (out.get(k) || out.set(k, []).get(k)).push(x);
  }
  return out;
}

export async function auditNew() {
  style();
  await known();
  const main = ui.main;
  main.append(back('/audits'), h('h2', null, t('au_new')));
  const def = await definition();
  const s = currentSession();
  // The inspector's own unit first, then the units of the stores on the phone.
  const units = new Set([s?.user?.unit, ...(await db.all('stores')).map((x) => x.unit).sort()].filter(Boolean));
  const msg = h('div', { class: 'err', role: 'alert' });
  if (!def) { main.append(h('p', { class: 'warnbox' }, t('au_new_online'))); return; }
  const unit = h('select', { name: 'unit', required: true }, [...units].map((u) => h('option', { value: u }, nameOf('unit', u))));
  const name = h('input', { name: 'auditor_name', required: true, value: s?.user?.name || '', maxlength: 32 });
  const contact = h('input', { name: 'auditor_contact', required: true, value: (await db.kvGet('audit.contact')) || '', maxlength: 64, inputmode: 'tel' });
  const claims = h('div', { id: 'au-claims' });
  for (const [g, list] of groups(def.items, (x) => x)) {
    claims.append(h('h4', null, g), ...list.map((it) => h('label', { class: 'row', 'data-item': it.id },
      h('input', { type: 'checkbox', checked: true, value: it.id }), ' ', it.category + ' ' + it.no + ' ' + it.name, ' · ', h('span', { class: 'muted small' }, t('au_claim')))));
  }
  const submit = h('button', { class: 'btn primary big', type: 'submit', disabled: !isOnline() }, t('au_create'));
  const form = h('form', { class: 'card', id: 'au-form', onsubmit: async (e) => {
    e.preventDefault();
    msg.textContent = '';
    submit.disabled = true;
    try {
      const unclaimed = [...claims.querySelectorAll('input[type=checkbox]')].filter((c) => !c.checked).map((c) => c.value);
      const a = await api('POST', '/audits', { body: { unit: unit.value, auditor_name: name.value.trim(), auditor_contact: contact.value.trim(), unclaimed } });
      await db.kvSet('audit.contact', contact.value.trim());
      await out.fetchAudit(a.id);
      ui.navigate('/audits/' + enc(a.id), true);
    } catch (err) { msg.textContent = t('error') + ': ' + errText(err); submit.disabled = false; }
  } },
  h('label', null, t('au_unit'), unit), h('label', null, t('au_auditor'), name), h('label', null, t('au_contact'), contact),
  h('h3', null, t('au_claims')), h('p', { class: 'muted small' }, t('au_claims_help')), claims,
  isOnline() ? null : h('p', { class: 'warnbox' }, t('au_new_online')), submit, msg);
  main.append(form);
}

// ---------- one audit ----------

// localResult is an item's outcome with the verdicts still on the phone
// applied over the server's (the server's rule: one bad order fails it).
function localResult(ir, finding, waiting) {
  const it = ir.item;
  const mine = waiting.filter((o) => o.item === it.id && o.op === 'judge' && !o.error);
  if (!mine.length || ir.result === 'not_applicable') return ir.result;
  if (it.method === 'sample') {
    const v = { ...(finding.orders || {}) };
    for (const o of mine) v[o.body.order] = { ok: o.body.ok };
    const ids = (ir.draws || []).flatMap((d) => d.orders || []);
    if (ids.some((x) => v[x] && !v[x].ok)) return 'fail';
    if ((ir.draws || []).some((d) => d.short)) return 'short';
    return ids.length && ids.every((x) => v[x]) ? 'pass' : 'pending';
  }
  return mine[mine.length - 1].body.ok ? 'pass' : 'fail';
}

export async function auditView(id) {
  style();
  await known();
  const main = ui.main;
  let v = await db.kvGet('audit:' + id);
  if (isOnline()) {
    await out.flush();
    try { v = await out.fetchAudit(id); } catch (e) {
      if (e instanceof ApiError && e.status === 404) { main.append(back('/audits'), h('p', null, t('not_found'))); return; }
    }
  }
  main.append(back('/audits'));
  if (!v) { main.append(h('p', { class: 'warnbox' }, t('au_not_cached'))); return; }
  const r = v.results, a = r.audit;
  const waiting = (await out.ops()).filter((o) => o.audit === id);
  const editable = a.status !== 'filed';
  main.append(h('div', { class: 'card subject', id: 'au-head', 'data-status': a.status },
    h('div', { class: 'row between' }, h('b', null, nameEl('unit', a.unit)), pill(t(editable ? 'au_draft' : 'au_filed'), editable ? 'au-r-short' : '')),
    h('div', { class: 'muted small' }, t('au_auditor') + '：' + a.auditor_name + ' · ' + t('au_contact') + '：' + a.auditor_contact),
    h('div', { class: 'muted small' }, t('au_created', { t: fmtTime(a.created_at) }), a.filed_at ? ' · ' + t('au_filed_at', { t: fmtTime(a.filed_at) }) : ''),
    h('div', { class: 'au-sum' }, pill(t('au_applicable', { n: r.applicable })), pill(t('au_passed', { n: r.passed }), 'au-r-pass'), pill(t('au_failed', { n: r.failed }), 'au-r-fail'),
      waiting.length ? pill(t('au_waiting', { n: waiting.length }), 'au-r-short') : null)));
  if (!isOnline()) main.append(h('p', { class: 'warnbox', id: 'au-offline' }, t('au_offline_note', { t: fmtTime(v.at) })));
  const refused = waiting.filter((o) => o.error);
  if (refused.length) {
    main.append(h('div', { class: 'warnbox', id: 'au-refused' }, h('b', null, t('au_refused')), h('ul', null, refused.map((o) => h('li', null,
      (o.label || '') + ' ' + (o.sub || '') + '：' + o.error.message, ' ', h('button', { class: 'btn small', onclick: async () => { await out.drop(o.id); ui.render(); } }, t('au_drop')))))));
  }

  const list = h('div', { id: 'au-items' });
  for (const [g, irs] of groups(r.items, (x) => x.item)) {
    list.append(h('h3', { class: 'au-stage' }, g), ...irs.map((ir) => itemCard(a, ir, waiting, editable)));
  }
  main.append(list);

  if (editable) {
    const advice = h('textarea', { class: 'au-note', name: 'advice', maxlength: 2000 });
    advice.value = (await db.kvGet('audit.advice:' + id)) || '';
    advice.addEventListener('input', () => db.kvSet('audit.advice:' + id, advice.value));
    const can = isOnline() && !waiting.length;
    const msg = h('div', { class: 'err', role: 'alert' });
    main.append(h('section', { class: 'card', id: 'au-file' }, h('h3', null, t('au_advice')), advice,
      can ? null : h('p', { class: 'muted small' }, t('au_file_online')),
      h('button', { class: 'btn primary big', id: 'au-file-btn', disabled: !can, onclick: async () => {
        if (!confirm(t('au_file_confirm'))) return;
        try {
          await api('POST', '/audits/' + enc(id) + '/file', { body: { advice: advice.value } });
          await db.del('kv', 'audit.advice:' + id);
          await out.fetchAudit(id);
          ui.render();
        } catch (e) { msg.textContent = t('error') + ': ' + errText(e); }
      } }, t('au_file')), msg));
  } else if (a.advice) {
    main.append(h('section', { class: 'card' }, h('h3', null, t('au_advice')), h('p', null, a.advice)));
  }
  const rmsg = h('div', { class: 'err', role: 'alert' });
  main.append(h('section', { class: 'card', id: 'au-report' }, h('h3', null, t('au_report')),
    isOnline() ? null : h('p', { class: 'muted small' }, t('au_report_online')),
    h('div', { class: 'row' }, ['xlsx', 'zip'].map((f) => h('button', { class: 'btn', 'data-format': f, disabled: !isOnline(), onclick: () => download(id, f).catch((e) => { rmsg.textContent = t('error') + ': ' + errText(e); }) }, t('au_' + f)))), rmsg));

  // The outbox sent what waited (or the server refused it): draw again.
  const off = onScreen('audit', (x) => { if (x === id || x == null) { off(); if (location.pathname === '/audits/' + enc(id)) ui.render(); } });
}

async function download(id, format) {
  const res = await authedFetch('/audits/' + enc(id) + '/report?format=' + format);
  if (!res.ok) { let b = null; try { b = await res.json(); } catch { /* */ } throw new ApiError(res.status, b); }
  const blob = await res.blob();
  const el = h('a', { href: URL.createObjectURL(blob), download: '稽查报告.' + format });
  document.body.append(el); el.click(); el.remove();
  setTimeout(() => URL.revokeObjectURL(el.href), 10000);
}

function itemCard(a, ir, allWaiting, editable) {
  const it = ir.item;
  const finding = a.findings?.[it.id] || {};
  const waiting = allWaiting.filter((o) => o.item === it.id);
  const res = localResult(ir, finding, waiting);
  const na = ir.result === 'not_applicable';
  const card = h('article', { class: 'card au-item', 'data-item': it.id, 'data-result': res },
    h('div', { class: 'row between' }, h('b', null, it.no + ' ' + it.name), h('span', null, resultPill(res),
      waiting.length ? ' ' : null, waiting.length ? pill(t('au_unsent'), 'au-r-short') : null)),
    h('div', { class: 'au-meta' }, it.category + ' · ' + t('au_m_' + it.method) + (it.lines?.length ? ' · ' + t('au_lines') + '：' + it.lines.join('、') : '')),
    h('details', null, h('summary', null, t('au_desc')), h('p', null, it.description),
      it.check ? h('p', null, h('b', null, t('au_check') + '：'), it.check) : null,
      it.materials?.length ? h('p', null, h('b', null, t('au_materials') + '：'), it.materials.join('；')) : null));
  if (na) return card;
  const label = nameOf('unit', a.unit) + ' · ' + it.no + ' ' + it.name;
  const judge = (order, prev) => {
    const body = h('div');
    let cur = prev ? { ok: prev.ok, note: prev.note || '' } : { ok: null, note: '' };
    const note = h('textarea', { class: 'au-note', placeholder: t('au_note'), maxlength: 500, disabled: !editable });
    note.value = cur.note;
    const send = async () => {
      if (cur.ok == null) return;
      await out.queue({ audit: a.id, item: it.id, op: 'judge', body: { ...(order ? { order } : {}), ok: cur.ok, note: cur.note }, label, sub: order || '' });
      const now = localResult(ir, finding, (await out.ops()).filter((o) => o.audit === a.id && o.item === it.id));
      card.dataset.result = now;
      card.querySelector('.row.between > span').replaceChildren(resultPill(now), ' ', pill(t('au_unsent'), 'au-r-short'));
    };
    const seg = h('div', { class: 'seg' }, [[true, t('au_ok')], [false, t('au_bad')]].map(([val, txt]) => h('button', {
      type: 'button', class: 'segbtn' + (cur.ok === val ? ' on' : ''), 'data-value': String(val), 'aria-pressed': String(cur.ok === val), disabled: !editable,
      onclick: async (e) => {
        cur.ok = val;
        for (const b of seg.children) { const on = b === e.currentTarget; b.classList.toggle('on', on); b.setAttribute('aria-pressed', String(on)); }
        await send();
      } }, txt)));
    note.addEventListener('change', () => { cur.note = note.value; send(); });
    body.append(seg, note);
    return body;
  };
  const lastOp = (order) => waiting.filter((o) => o.op === 'judge' && (o.body.order || '') === (order || '')).pop()?.body;

  if (it.time_limit) {
    const tm = ir.timeliness;
    card.append(h('div', { class: 'au-timely', 'data-percent': tm ? String(tm.percent) : '' },
      !tm || !tm.orders ? h('p', null, t('au_timely_none'))
        : h('p', null, h('b', null, t('au_timely', { p: fmtN(tm.percent), a: tm.on_time, n: tm.orders, g: fmtN(tm.target_percent) }))),
      tm?.pending ? h('p', { class: 'muted small' }, t('au_timely_pending', { n: tm.pending })) : null,
      tm?.late?.length ? h('details', null, h('summary', null, t('au_late') + ' ' + tm.late.length), h('ul', null, tm.late.map((l) => h('li', null, l.order + ' · ' + fmtTime(l.deadline))))) : null));
  } else if (it.method === 'sample') {
    const draws = ir.draws || [];
    if (!draws.length) {
      const msg = h('div', { class: 'err', role: 'alert' });
      card.append(isOnline() ? null : h('p', { class: 'muted small' }, t('au_draw_online')),
        h('button', { class: 'btn primary au-draw', disabled: !editable || !isOnline(), onclick: async (e) => {
          e.currentTarget.disabled = true;
          try { await api('POST', '/audits/' + enc(a.id) + '/items/' + enc(it.id) + '/draw'); await out.fetchAudit(a.id); ui.render(); } catch (err) { msg.textContent = t('error') + ': ' + errText(err); e.currentTarget.disabled = false; }
        } }, t('au_draw')), msg);
    }
    let judged = 0, total = 0;
    for (const d of draws) {
      card.append(h('div', { class: 'au-draw-line', 'data-line': d.line, 'data-candidates': String(d.candidates), 'data-short': String(d.short) },
        h('p', null, h('b', null, t('au_draw_line', { l: d.line, c: d.candidates, n: (d.orders || []).length })), ' ', h('span', { class: 'muted small' }, t('au_drawn_at', { t: fmtTime(d.at) }))),
        d.short ? h('p', { class: 'warnbox au-short' }, t('au_short', { c: d.candidates, n: d.want })) : null,
        (d.orders || []).map((o) => {
          total++;
          const prev = lastOp(o) || finding.orders?.[o];
          if (prev) judged++;
          return h('div', { class: 'au-order', 'data-order': o }, h('b', null, o), judge(o, prev));
        })));
    }
    if (total) card.append(h('p', { class: 'muted small' }, t('au_judged', { a: judged, n: total })));
  } else {
    const prev = lastOp('') || (finding.result ? { ok: finding.result === 'pass', note: finding.note } : null);
    card.append(judge('', prev));
  }
  card.append(evidence(a, it, finding, waiting, editable, label));
  return card;
}

function evidence(a, it, finding, waiting, editable, label) {
  const box = h('div', { class: 'au-ev' });
  const shown = new Set();
  const fig = (sha, caption, unsent) => {
    shown.add(sha);
    const img = h('img', { alt: '', 'data-sha': sha });
    objectURL(sha).then((u) => { if (u) img.src = u; else img.remove(); });
    return h('figure', { 'data-sha': sha, 'data-unsent': String(!!unsent) }, img, h('figcaption', null, caption));
  };
  for (const e of finding.evidence || []) box.append(fig(e.sha256, e.name));
  for (const o of waiting.filter((x) => x.op === 'evidence' && !shown.has(x.sha))) box.append(fig(o.sha, t('au_unsent'), true));
  const status = h('div', { class: 'muted small' });
  const onFiles = async (input) => {
    const files = [...input.files];
    input.value = '';
    status.textContent = t('processing');
    try {
      for (const f of files) {
        const { sha } = await processPhoto(f);
        if (shown.has(sha)) continue;
        await out.queue({ audit: a.id, item: it.id, op: 'evidence', sha, ext: 'jpg', label, sub: t('au_evidence') });
        box.append(fig(sha, t('au_unsent'), true));
      }
      status.textContent = '';
    } catch (e) { status.textContent = t('error') + ': ' + e.message; }
  };
  const cam = h('input', { type: 'file', accept: 'image/*', capture: 'environment', hidden: true, onchange: (e) => onFiles(e.target) });
  const pick = h('input', { type: 'file', accept: 'image/*', multiple: true, hidden: true, 'data-pick': it.id, onchange: (e) => onFiles(e.target) });
  return h('div', { class: 'au-evidence' }, h('b', { class: 'small' }, t('au_evidence')), box,
    editable ? h('div', { class: 'row' }, h('label', { class: 'btn small' }, cam, t('au_photo')), h('label', { class: 'btn small' }, pick, t('au_pick'))) : null, status);
}
