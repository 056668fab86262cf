// A generic checklist renderer driven by the template JSON: one control per
// item type, inline messages from rules.js (the server's own rules), and
// every change handed to onChange for the autosave.
import { h, clear } from './dom.js';
import { t, tx, fmtTime } from './i18n.js';
import { checkItem, speedJudge, sigSha } from './rules.js';
import { factsOf, hiddenItems } from './conds.js';
import { processPhoto, objectURL } from './photo.js';
import { signaturePad } from './signature.js';
import { runSpeedtest } from './speedtest.js';

export function renderChecklist(root, opts) {
  const { template, sheet, order, onChange, readOnly = false } = opts;
  const serverFields = opts.serverFields || {};
  const touched = new Set();
  let showAll = false;
  const refreshers = [];

  sheet.answers ??= {}; sheet.photos ??= {}; sheet.photo_meta ??= {};
  // Conditions are judged on the order (or store) as this phone has it; an
  // editable sheet records which, and the push carries it (sync.js), so a
  // later change to the order never rejects the sheet. A finished sheet
  // keeps what it was judged on.
  if (!readOnly || sheet.order_facts === undefined) {
    sheet.order_facts = factsOf(order, opts.store || sheet.store);
    if (order?.version) sheet.order_version = order.version;
  }
  const sections = [];
  const showItems = () => {
    const hidden = hiddenItems(template, sheet, sheet.order_facts);
    for (const [el, ids] of sections) {
      for (const c of el.querySelectorAll('.item')) c.hidden = hidden.has(c.dataset.item);
      el.hidden = ids.every((id) => hidden.has(id));
    }
  };

  function changed(itemId) {
    touched.add(itemId);
    showItems();
    onChange?.(sheet);
    refreshers.forEach((f) => f());
  }

  clear(root);
  for (const sec of template.sections || []) {
    const secEl = h('section', { class: 'sec' }, h('h3', null, tx(sec.title)));
    for (const item of sec.items || []) secEl.append(renderItem(item));
    sections.push([secEl, (sec.items || []).map((it) => it.id)]);
    root.append(secEl);
  }
  showItems();

  function renderItem(item) {
    const err = h('div', { class: 'err', 'data-err': item.id, role: 'alert' });
    const body = h('div', { class: 'ctl' });
    const card = h('div', { class: 'item', 'data-item': item.id, 'data-type': item.type },
      h('div', { class: 'label' }, tx(item.label), item.required ? h('span', { class: 'req', title: t('required') }, ' *') : null),
      item.help ? h('div', { class: 'help' }, tx(item.help)) : null, body, err);
    const refresh = () => {
      const r = checkItem(item, sheet);
      const srv = serverFields['answers.' + item.id] || serverFields['photos.' + item.id];
      const show = r && (showAll || touched.has(item.id));
      err.textContent = show ? r[1] : srv || '';
      card.classList.toggle('invalid', !!(show || srv));
    };
    refreshers.push(refresh);
    const draw = () => { clear(body); body.append(control(item, () => { draw(); changed(item.id); })); refresh(); };
    draw();
    return card;
  }

  function control(item, done) {
    const a = sheet.answers[item.id];
    const set = (v) => { if (v === undefined) delete sheet.answers[item.id]; else sheet.answers[item.id] = v; done(); };
    const seg = (opts2, cls = '') => h('div', { class: 'seg' + cls, role: 'group', 'aria-label': tx(item.label) }, opts2.map(([v, label]) =>
      h('button', { type: 'button', class: 'segbtn' + (a === v ? ' on' : ''), 'aria-pressed': String(a === v), disabled: readOnly, 'data-value': String(v), onclick: () => set(a === v ? undefined : v) }, label)));
    switch (item.type) {
      case 'check': return seg([[true, t('answer_yes')], [false, t('answer_no')]]);
      case 'pass_fail': return seg([['pass', t('pass')], ['fail', t('fail')], ['na', t('na')]]);
      case 'rating': return seg([0, 1, 2, 3, 4, 5].map((n) => [n, String(n)]), ' rating');
      // Four or more choices stack two to a row rather than squeeze into one.
      case 'choice': return seg((item.choices || []).map((c) => [c.id, tx(c.label)]), (item.choices || []).length > 3 ? ' grid2' : '');
      case 'count': {
        const input = h('input', { type: 'number', inputmode: 'numeric', min: 0, step: 1, value: a ?? '', disabled: readOnly,
          onchange: () => set(input.value === '' ? undefined : Number(input.value)) });
        const step = (d) => set(Math.max(0, (Number.isInteger(a) ? a : 0) + d));
        return h('div', { class: 'row stepper' },
          h('button', { type: 'button', class: 'btn', disabled: readOnly, onclick: () => step(-1) }, '−'), input,
          h('button', { type: 'button', class: 'btn', disabled: readOnly, onclick: () => step(1) }, '+'));
      }
      case 'number': {
        const r = item.number || {};
        const input = h('input', { type: 'number', inputmode: 'decimal', step: 'any', min: r.min, max: r.max, value: a ?? '', disabled: readOnly,
          onchange: () => set(input.value === '' ? undefined : Number(input.value)) });
        return h('div', { class: 'row' }, input, r.unit ? h('span', { class: 'unit' }, r.unit) : null);
      }
      case 'text': {
        const ta = h('textarea', { rows: 3, disabled: readOnly, oninput: () => { sheet.answers[item.id] = ta.value; showItems(); onChange?.(sheet); touched.add(item.id); refreshers.forEach((f) => f()); } });
        ta.value = a ?? '';
        return ta;
      }
      case 'photo': return photoControl(item, done);
      case 'signature': return signatureControl(item, a, set);
      case 'speedtest': return speedControl(item, a, set);
    }
    return h('div', { class: 'muted' }, item.type);
  }

  function photoControl(item, done) {
    const list = sheet.photos[item.id] || [];
    const max = item.photos ? item.photos.max : 10; // checklists.DefaultPhotosMax
    const status = h('div', { class: 'muted' });
    const grid = h('div', { class: 'thumbs' });
    for (const sha of list) {
      const img = h('img', { alt: '', 'data-sha': sha });
      objectURL(sha).then((u) => { if (u) img.src = u; else img.alt = t('photo_missing_local'); });
      const meta = sheet.photo_meta[sha];
      grid.append(h('figure', null, img,
        meta?.taken_at ? h('figcaption', null, fmtTime(meta.taken_at)) : null,
        readOnly ? null : h('button', { type: 'button', class: 'btn small', onclick: () => {
          sheet.photos[item.id] = (sheet.photos[item.id] || []).filter((x) => x !== sha);
          if (!sheet.photos[item.id].length) delete sheet.photos[item.id];
          done();
        } }, t('remove'))));
    }
    const onFiles = async (input) => {
      const files = [...input.files];
      input.value = '';
      status.textContent = t('processing');
      for (const f of files) {
        if (max && (sheet.photos[item.id] || []).length >= max) break;
        try {
          const { sha, meta } = await processPhoto(f);
          const cur = sheet.photos[item.id] || [];
          if (!cur.includes(sha)) sheet.photos[item.id] = [...cur, sha];
          if (Object.keys(meta).length) sheet.photo_meta[sha] = meta;
        } catch (e) { status.textContent = t('error') + ': ' + e.message; return done(); }
      }
      status.textContent = '';
      done();
    };
    const full = max && list.length >= max;
    // How many photos the item needs is said before the first one is taken.
    const min = Math.max(item.photos?.min || 0, item.required ? 1 : 0);
    const need = !readOnly && min > 1 ? h('div', { class: 'need small', 'data-need': String(min) }, t('photos_need', { n: min, k: list.length })) : null;
    const cam = h('input', { type: 'file', accept: 'image/*', capture: 'environment', hidden: true, onchange: (e) => onFiles(e.target) });
    const pick = h('input', { type: 'file', accept: 'image/*', multiple: true, hidden: true, 'data-pick': item.id, onchange: (e) => onFiles(e.target) });
    return h('div', null, need, grid, readOnly || full ? null : h('div', { class: 'row' },
      h('label', { class: 'btn primary' }, cam, t('take_photo')),
      h('label', { class: 'btn' }, pick, t('pick_photo'))), status);
  }

  function signatureControl(item, a, set) {
    if (a) {
      const img = h('img', { class: 'sigimg', alt: t('signed') });
      objectURL(sigSha(a)).then((u) => { if (u) img.src = u; });
      return h('div', null, img, readOnly ? null : h('button', { type: 'button', class: 'btn', onclick: () => set(undefined) }, t('resign')));
    }
    if (readOnly) return h('div', { class: 'muted' }, t('none'));
    return signaturePad((answer) => set(answer));
  }

  function speedControl(item, a, set) {
    const subscribed = order?.subscribed_mbps || 0;
    const out = h('div');
    const judge = h('div', { class: 'judge' });
    const showJudge = (ans) => {
      const j = speedJudge(item, ans, subscribed);
      clear(judge);
      if (!j) return;
      judge.className = 'judge ' + (j.pass ? 'ok' : 'bad');
      judge.append(h('strong', null, j.pass ? t('speed_pass') : t('speed_fail')), ' ',
        t('speed_threshold', { n: j.threshold, s: subscribed, r: j.ratio }));
    };
    if (a) {
      out.append(h('div', { class: 'speed' },
        ...[['down', a.down_mbps, 'Mbps'], ['up', a.up_mbps, 'Mbps'], ['ping', a.ping_ms, 'ms'], ['jitter', a.jitter_ms, 'ms']]
          .map(([k, v, u]) => h('div', null, h('small', null, t(k)), h('b', null, v == null ? '—' : String(v)), ' ', u))),
      h('div', { class: 'muted' }, a.method === 'manual' ? t('speed_manual') : t('speed_browser')));
      showJudge(a);
      out.append(judge);
      if (readOnly) return out;
    }
    if (readOnly) return h('div', { class: 'muted' }, t('none'));
    const status = h('div', { class: 'muted' });
    const run = h('button', { type: 'button', class: 'btn primary', onclick: async () => {
      run.disabled = true; status.textContent = t('speed_running');
      try { set(await runSpeedtest((p) => { status.textContent = t('speed_running') + ' ' + t(p); })); }
      catch (e) {
        status.textContent = e.message === 'rate_limited' ? t('speed_rate_limited') : navigator.onLine === false || e instanceof TypeError ? t('speed_offline') : t('speed_failed_run', { e: e.message });
        run.disabled = false;
      }
    } }, t('speed_run'));
    const num = (name, label, unit) => h('label', { class: 'field' }, h('span', null, label + ' (' + unit + ')'),
      h('input', { type: 'number', inputmode: 'decimal', step: 'any', min: 0, name, value: a?.method === 'manual' ? a[name] : '' }));
    const form = h('form', { class: 'manual', onsubmit: (e) => {
      e.preventDefault();
      const fd = new FormData(form);
      // Download is required; the rest only when the tester shows them.
      const ans = { method: 'manual' };
      for (const k of ['down_mbps', 'up_mbps', 'ping_ms', 'jitter_ms']) {
        const raw = String(fd.get(k) ?? '').trim();
        if (raw === '') { if (k === 'down_mbps') { status.textContent = t('must_number'); return; } continue; }
        const n = Number(raw);
        if (!(n >= 0) || !isFinite(n)) { status.textContent = t('must_number'); return; }
        ans[k] = n;
      }
      set(ans);
    }, oninput: () => {
      const fd = new FormData(form);
      const d = Number(fd.get('down_mbps'));
      if (fd.get('down_mbps') !== '' && d >= 0) showJudge({ down_mbps: d });
    } },
      num('down_mbps', t('down'), 'Mbps'), num('up_mbps', t('up'), 'Mbps'), num('ping_ms', t('ping'), 'ms'), num('jitter_ms', t('jitter'), 'ms'),
      h('button', { type: 'submit', class: 'btn' }, t('save_manual')));
    const details = h('details', { class: 'manualbox' }, h('summary', null, t('speed_manual')), form);
    if (!a) out.append(judge);
    out.append(h('div', { class: 'row' }, run), status, details);
    return out;
  }

  return {
    // showErrors reveals every message (after a submit attempt) and returns their count.
    showErrors() { showAll = true; refreshers.forEach((f) => f()); return root.querySelectorAll('.item.invalid:not([hidden])').length; },
    setServerFields(f) { Object.assign(serverFields, f || {}); refreshers.forEach((fn) => fn()); },
  };
}
