// The operator's console: its shell (navigation 人员 · 组织 · 工单 · 检查表 ·
// 整改 · 审计 · 运维, a sidebar on a desk and a tab bar on a phone) and the
// sections 人员 (people), 组织 (organisation), 审计 (audit) and 运维
// (operations). 工单, 检查表 and 整改 live in orders.js, checklists.js and
// rect.js, loaded when first opened. Everything here asks the server: the
// console keeps nothing on the device and says so when offline.
import {
  h, clear, toast, nameOf, fmtTime, ui, L, both, isEn, call, qs, field, input, select, form, guard,
  table, pager, download, errorBox, loading, me, isAdmin, NetError,
} from './kit.js';
import { setNames } from '../js/names.js';
import { today, dayPlus } from '../js/shtime.js';

// ---------- shell ----------
const SECTIONS = [
  { id: 'people', zh: '人员', en: 'People', about: ['账号、角色、单位、停用与重置密码', 'Accounts, roles, units, disable, reset password'] },
  { id: 'org', zh: '组织', en: 'Organisation', about: ['单位层级、产品名称、营业网点', 'Unit tree, product names, stores'] },
  { id: 'orders', zh: '工单', en: 'Work orders', about: ['筛选、新建、导入、改派、取消', 'Filter, create, import, reassign, cancel'], mod: './orders.js' },
  { id: 'checklists', zh: '检查表', en: 'Checklists', about: ['模板、版本、编辑与对比', 'Templates, versions, editing, diff'], mod: './checklists.js' },
  { id: 'rect', zh: '整改', en: 'Rectifications', about: ['待整改、指派、销项、重开', 'Open items, assign, resolve, reopen'], mod: './rect.js' },
  { id: 'audit', zh: '审计', en: 'Audit', about: ['谁在何时用哪台设备做了什么', 'Who did what, when, on which device'] },
  { id: 'ops', zh: '运维', en: 'Operations', about: ['运行状态、数据量、备份、配置', 'Health, data size, backup, settings'], admin: true },
];
const visible = () => SECTIONS.filter((s) => !s.admin || isAdmin());

let book = null; // GET /names: {units: {code: {zh, en, parent}}, products, roles, people}
async function names(fresh = false) {
  if (!book || fresh) {
    book = await call('GET', '/names');
    setNames(book);
  }
  return book;
}

export async function render(main, path) {
  const section = (/^\/console\/([^/]+)/.exec(path) || [])[1] || '';
  const nav = h('nav', { class: 'cnav', 'aria-label': '控制台 Console' },
    h('ul', null,
      h('li', null, h('a', { href: '/console', 'data-link': '', 'aria-current': section === '' ? 'page' : null }, '总览', h('span', { class: 'en' }, 'Overview'))),
      visible().map((s) => h('li', null, h('a', { href: '/console/' + s.id, 'data-link': '', 'data-section': s.id, 'aria-current': s.id === section ? 'page' : null },
        s.zh, h('span', { class: 'en' }, s.en))))));
  const body = h('div', { class: 'cmain', id: 'cmain' }, loading());
  clear(main).append(h('div', { class: 'console', 'data-section': section || 'home' }, nav, body));
  document.title = (SECTIONS.find((s) => s.id === section)?.zh || '控制台') + ' · 现场验收';
  const s = SECTIONS.find((x) => x.id === section);
  if (EXTRA[section]) { // a desk screen of another issue, drawn inside the console
    try { const mod = await import(EXTRA[section]); clear(body); return await mod.render(body, path); } catch (err) { clear(body).append(errorBox(err)); return undefined; }
  }
  if (section && (!s || (s.admin && !isAdmin()))) { ui.navigate('/console', true); return; }
  try {
    if (!s) return await home(body);
    if (s.mod) {
      let mod;
      try { mod = await import(s.mod); } catch {
        clear(body).append(title(s.zh, s.en), h('div', { class: 'warnbox', role: 'alert', 'data-offline': '' },
          h('b', null, '无法加载此部分，请联网后重试'), ' · Could not load this section; try again online.'));
        return undefined;
      }
      return await mod.render(body, path);
    }
    const rest = path.slice(('/console/' + s.id).length);
    switch (s.id) {
      case 'people': return await people(body, rest);
      case 'org': return await org(body);
      case 'audit': return await audit(body);
      case 'ops': return await ops(body);
    }
  } catch (err) {
    clear(body).append(errorBox(err));
  }
  return undefined;
}

const title = (zh, en) => h('h1', { class: 'ctitle' }, zh, h('span', { class: 'en' }, en));
const sub = (zh, en) => h('h2', { class: 'csub' }, zh, ' ', h('span', { class: 'en' }, en));

async function home(body) {
  const u = me();
  clear(body).append(title('控制台', 'Console'),
    h('p', { class: 'muted' }, L(`${u.name || nameOf('person', u.username)}，${isAdmin() ? '您可管理全部单位。' : '您可管理本单位：' + nameOf('unit', u.unit) + '。'}`,
      `${u.name || nameOf('person', u.username)}, ${isAdmin() ? 'you manage every unit.' : 'you manage your unit: ' + nameOf('unit', u.unit) + '.'}`)),
    h('div', { class: 'ctiles' }, visible().map((s) => h('a', { class: 'ctile', href: '/console/' + s.id, 'data-link': '' },
      h('b', null, s.zh), h('span', { class: 'en' }, s.en), h('p', null, L(...s.about))))),
    sub('更多', 'More'),
    h('div', { class: 'ctiles', id: 'cmore' }, MORE.map((m) => h('a', { class: 'ctile', href: m.href, 'data-link': '' },
      h('b', null, m.zh), h('span', { class: 'en' }, m.en), h('p', null, L(...m.about))))));
}

// Desk screens of other issues, reached from the console's overview; those
// under /console/ are drawn inside the console (EXTRA: section → module).
const EXTRA = { plans: './plans.js' };
const MORE = [
  { href: '/console/plans', zh: '巡检计划', en: 'Inspection plans', about: ['应检、逾期与漏检的巡检', 'Due, overdue and missed inspections'] },
  { href: '/fines', zh: '罚款审核', en: 'Fine review', about: ['超时等罚款的确认、调整与免除', 'Confirm, adjust or waive proposed fines'] },
  { href: '/qa/reports', zh: '监听报告', en: 'Call review reports', about: ['品质保障员的日报、周报、月报', 'QA daily, weekly and monthly reports'] },
  { href: '/audits', zh: '政企服务稽查', en: 'Enterprise service audits', about: ['稽查结果与报告下载', 'Audit results and report downloads'] },
];

// ---------- people (人员) ----------
const ROLES = ['technician', 'inspector', 'agent', 'qa', 'supervisor', 'admin'];
const FIELD_ROLES = ['technician', 'inspector', 'agent'];
const rolesFor = () => (isAdmin() ? ROLES : FIELD_ROLES);

function unitOptions(b, value, { blank } = {}) {
  const codes = Object.keys(b.units || {});
  if (value && !codes.includes(value)) codes.push(value);
  const mine = isAdmin() ? codes : codes.filter((c) => c === me().unit);
  const opts = mine.sort((a, c) => nameOf('unit', a).localeCompare(nameOf('unit', c), 'zh')).map((c) => [c, nameOf('unit', c)]);
  return blank ? [['', blank], ...opts] : opts;
}

// A new password: 12 characters without look-alikes, read aloud over the phone.
function newPassword() {
  const abc = 'abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789';
  const r = crypto.getRandomValues(new Uint32Array(12));
  return Array.from(r, (x) => abc[x % abc.length]).join('');
}

function secretBox(zh, en, pw) {
  return h('div', { class: 'okbox', role: 'status', 'data-secret-box': '' },
    h('p', null, h('b', null, zh), ' · ', en),
    h('p', null, L('初始密码（只显示这一次，请当面或电话告知本人）：', 'Password (shown only this once; tell the person directly):')),
    h('code', { class: 'secret', 'data-password': '' }, pw));
}

async function people(body, rest) {
  if (rest === '/new') return personNew(body);
  const m = /^\/([^/]+)$/.exec(rest);
  if (m) return personEdit(body, decodeURIComponent(m[1]));
  const b = await names();
  const q = input({ type: 'search', placeholder: L('姓名、电话', 'Name, phone') });
  const role = select('role', [['', L('全部角色', 'All roles')], ...ROLES.map((r) => [r, nameOf('role', r)])], '');
  const unit = select('unit', unitOptions(b, '', { blank: L('全部单位', 'All units') }), '');
  const filters = h('form', { class: 'cfilters', role: 'search' },
    field('q', both('搜索', 'Search'), q), field('role', both('角色', 'Role'), role),
    isAdmin() ? field('unit', both('单位', 'Unit'), unit) : null,
    h('button', { class: 'btn', type: 'submit' }, both('查找', 'Find')));
  const list = h('div', { id: 'people-list' });
  clear(body).append(title('人员', 'People'),
    h('div', { class: 'row' }, h('a', { class: 'btn primary', href: '/console/people/new', 'data-link': '', id: 'new-person' }, both('新建人员', 'New person'))),
    filters, list);
  const cols = [
    { key: 'name', label: both('姓名', 'Name'), render: (u) => h('a', { href: '/console/people/' + encodeURIComponent(u.username), 'data-link': '', 'data-person': u.username }, u.name || nameOf('person', u.username)) },
    { key: 'role', label: both('角色', 'Role'), render: (u) => nameOf('role', u.role) },
    { key: 'unit', label: both('单位', 'Unit'), render: (u) => (u.unit ? nameOf('unit', u.unit) : L('（全部）', '(all)')) },
    { key: 'phone', label: both('电话', 'Phone'), render: (u) => u.phone || '' },
    { key: 'state', label: both('状态', 'State'), render: (u) => (u.disabled ? h('span', { class: 'state st-rejected' }, L('已停用', 'Disabled')) : h('span', { class: 'state st-sent' }, L('启用', 'Active'))) },
    { key: 'login', label: both('最近登录', 'Last login'), render: (u) => (u.last_login_at ? fmtTime(u.last_login_at) + (u.last_device ? ' · ' + u.last_device : '') : L('从未登录', 'Never')) },
  ];
  let tbl = null;
  const p = pager(list, (after) => call('GET', '/users?' + qs({ q: q.value.trim(), role: role.value, unit: isAdmin() ? unit.value : '', after, limit: 50 })),
    (items, append) => {
      if (!append || !tbl) { tbl?.remove(); tbl = table(cols, items, { empty: L('没有符合条件的人员', 'Nobody matches') }); list.prepend(tbl); } else tbl.addRows(items);
      tbl.querySelectorAll('tbody tr').forEach((tr) => { if (tr.querySelector('.st-rejected')) tr.classList.add('off'); });
    });
  filters.addEventListener('submit', (e) => { e.preventDefault(); p.reload(); });
  await p.reload();
}

async function personNew(body) {
  const b = await names();
  const unitSel = select('unit', unitOptions(b, me().unit, { blank: isAdmin() ? L('（无：全部单位）', '(none: every unit)') : null }), isAdmin() ? '' : me().unit);
  const f = form({
    submit: both('创建', 'Create'),
    cancel: () => ui.navigate('/console/people'),
    fields: [
      field('name', both('姓名', 'Name'), input({ autocomplete: 'off', required: true })),
      field('username', both('登录名', 'Login name'), input({ autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', required: true }),
        L('2–32 位小写字母、数字或 . _ -，创建后不能更改', '2–32 lowercase letters, digits, . _ -; cannot change later')),
      field('role', both('角色', 'Role'), select('role', rolesFor().map((r) => [r, nameOf('role', r)]), 'technician')),
      field('unit', both('单位', 'Unit'), unitSel),
      field('phone', both('电话', 'Phone'), input({ type: 'tel', autocomplete: 'off' })),
    ],
    onSubmit: async (v, fe) => {
      const password = newPassword();
      const u = await call('POST', '/users', { body: { ...v, username: v.username.trim().toLowerCase(), password } });
      await names(true);
      fe.replaceWith(secretBox('已创建 ' + (u.name || v.name), 'Created', password),
        h('div', { class: 'row' }, h('a', { class: 'btn', href: '/console/people/' + encodeURIComponent(u.username), 'data-link': '' }, both('查看', 'Open')),
          h('a', { class: 'btn', href: '/console/people', 'data-link': '' }, both('返回列表', 'Back to list'))));
    },
  });
  f.id = 'person-new';
  clear(body).append(title('新建人员', 'New person'),
    h('p', { class: 'muted' }, L('系统生成初始密码，创建后只显示一次。', 'The system makes the first password and shows it once.')), f);
}

async function findUser(username) {
  // There is no single-user GET: the list's search finds it (a supervisor's
  // list holds only their unit, so another unit's person is "not found").
  const res = await call('GET', '/users?' + qs({ q: username, limit: 5000 }));
  return (res.items || []).find((u) => u.username === username) || null;
}

function describe(u) {
  return [u.name, nameOf('role', u.role), u.unit ? nameOf('unit', u.unit) : '', u.disabled ? L('已停用', 'disabled') : L('启用', 'active')].filter(Boolean).join(' · ');
}

async function personEdit(body, username) {
  const [b, u] = await Promise.all([names(), findUser(username)]);
  if (!u) {
    clear(body).append(title('人员', 'People'), h('p', { class: 'err', role: 'alert', 'data-not-found': '' }, L('未找到此人，或不在您的单位', 'Not found, or not in your unit')),
      h('a', { class: 'btn', href: '/console/people', 'data-link': '' }, both('返回列表', 'Back to list')));
    return;
  }
  if (!isAdmin() && !FIELD_ROLES.includes(u.role)) {
    // A supervisor manages field roles only: others of the unit are shown, not edited.
    clear(body).append(title(u.name || nameOf('person', username), describe(u)),
      h('p', { class: 'muted', 'data-readonly': '' }, L('只有管理员可以修改此账号。', 'Only an admin can change this account.')),
      h('a', { class: 'btn', href: '/console/people', 'data-link': '' }, both('返回列表', 'Back to list')));
    return;
  }
  const reload = async () => { const now = await findUser(username); return now ? describe(now) : L('已不存在', 'gone'); };
  const roleSel = select('role', [...new Set([...rolesFor(), u.role])].map((r) => [r, nameOf('role', r)]), u.role);
  const unitSel = select('unit', unitOptions(b, u.unit, { blank: isAdmin() ? L('（无：全部单位）', '(none: every unit)') : null }), u.unit);
  const f = form({
    reload,
    fields: [
      field('name', both('姓名', 'Name'), input({ value: u.name || '' })),
      field('role', both('角色', 'Role'), roleSel),
      field('unit', both('单位', 'Unit'), unitSel),
      field('phone', both('电话', 'Phone'), input({ type: 'tel', value: u.phone || '' })),
    ],
    onSubmit: async (v) => {
      // Only what changed is sent: a field someone else changed meanwhile is not overwritten.
      const patch = {};
      for (const k of ['name', 'role', 'unit', 'phone']) if ((v[k] ?? '') !== (u[k] ?? '')) patch[k] = v[k];
      if (!Object.keys(patch).length) { toast(L('没有改动', 'Nothing changed')); return; }
      await call('PATCH', '/users/' + encodeURIComponent(username), { body: patch });
      await names(true);
      toast(L('已保存', 'Saved'));
      ui.render();
    },
  });
  f.id = 'person-edit';
  const actions = h('div', { class: 'dlg', id: 'person-actions' });
  const result = h('div', { id: 'person-result' });
  actions.append(h('h2', { class: 'csub' }, '账号', ' ', h('span', { class: 'en' }, 'Account')),
    h('p', null, u.disabled ? L('此账号已停用，不能登录。', 'This account is disabled and cannot log in.') : L('此账号可以登录。', 'This account can log in.'),
      ' ', L('最近登录：', 'Last login: '), u.last_login_at ? fmtTime(u.last_login_at) + (u.last_device ? ' · ' + u.last_device : '') : L('从未登录', 'never')),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'btn ' + (u.disabled ? 'primary' : 'danger'), id: 'toggle-disabled', onclick: () => guard(actions, async () => {
        if (!u.disabled && !confirm(L('停用后此人所有设备立即退出登录。确定停用？', 'Disabling logs this person out on every device. Disable?'))) return;
        await call('PATCH', '/users/' + encodeURIComponent(username), { body: { disabled: !u.disabled } });
        toast(u.disabled ? L('已启用', 'Enabled') : L('已停用，其会话已撤销', 'Disabled; sessions revoked'));
        ui.render();
      }, { reload }) }, u.disabled ? both('启用', 'Enable') : both('停用', 'Disable')),
      h('button', { type: 'button', class: 'btn', id: 'reset-password', onclick: () => guard(actions, async () => {
        if (!confirm(L('重置后旧密码失效，此人所有设备需重新登录。继续？', 'The old password stops working and every device must log in again. Go on?'))) return;
        const password = newPassword();
        await call('PATCH', '/users/' + encodeURIComponent(username), { body: { password } });
        result.replaceChildren(secretBox('密码已重置', 'Password reset', password));
      }, { reload }) }, both('重置密码', 'Reset password'))));
  clear(body).append(title(u.name || nameOf('person', username), describe(u)),
    h('div', { class: 'row' }, h('a', { class: 'btn small', href: '/console/people', 'data-link': '' }, '← ' + both('人员', 'People'))),
    f, actions, result);
}

// ---------- organisation (组织) ----------
const LEVELS = [['地市分公司', 'City branch'], ['区县/代理公司', 'District / agency'], ['班组', 'Team']];

function subtree(units, top) {
  // top's own chain down: a supervisor sees their unit and what is below it.
  const out = new Set([top]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [c, l] of Object.entries(units)) if (l.parent && out.has(l.parent) && !out.has(c)) { out.add(c); grew = true; }
  }
  return out;
}

async function org(body) {
  const b = await names(true);
  const units = b.units || {};
  const admin = isAdmin();
  const shown = admin ? new Set(Object.keys(units)) : subtree(units, me().unit);
  clear(body).append(title('组织', 'Organisation'));

  // Units as a tree: roots are units without a (known) parent.
  const kids = {};
  for (const c of shown) {
    const p = units[c]?.parent;
    const key = p && shown.has(p) ? p : '';
    (kids[key] ||= []).push(c);
  }
  const edit = h('div', { id: 'unit-edit' });
  const branch = (key, depth) => {
    const list = (kids[key] || []).sort((a, c) => nameOf('unit', a).localeCompare(nameOf('unit', c), 'zh'));
    if (!list.length) return null;
    return h('ul', null, list.map((c) => h('li', { 'data-unit': c },
      h('span', null, nameOf('unit', c)), ' ',
      h('span', { class: 'muted small' }, L(...(LEVELS[Math.min(depth, 2)]))),
      admin ? [' ', h('button', { type: 'button', class: 'btn small', 'aria-label': L('编辑 ', 'Edit ') + nameOf('unit', c), onclick: () => unitForm(edit, b, c) }, both('编辑', 'Edit'))] : null,
      branch(c, depth + 1))));
  };
  body.append(sub('单位', 'Units'),
    h('p', { class: 'muted small' }, L('层级：地市分公司 → 区县/代理公司 → 班组', 'Levels: city branch → district/agency → team')),
    h('div', { class: 'tree', id: 'unit-tree' }, branch('', 0) || h('p', { class: 'muted' }, L('还没有命名的单位', 'No named units yet'))),
    admin ? h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', id: 'new-unit', onclick: () => unitForm(edit, b, null) }, both('新建单位', 'New unit'))) : null,
    edit);

  // Products: display names of the codes orders carry.
  const pedit = h('div', { id: 'product-edit' });
  const prods = Object.keys(b.products || {}).sort();
  body.append(sub('产品', 'Products'),
    table([
      { key: 'zh', label: both('名称', 'Name'), render: (c) => b.products[c]?.zh || '' },
      { key: 'en', label: 'English', render: (c) => b.products[c]?.en || '' },
      ...(admin ? [{ key: 'act', label: both('操作', 'Action'), render: (c) => h('button', { type: 'button', class: 'btn small', 'aria-label': L('编辑 ', 'Edit ') + nameOf('product', c), onclick: () => nameForm(pedit, 'product', c, b.products[c]) }, both('编辑', 'Edit')) }] : []),
    ], prods, { empty: L('没有产品名称', 'No product names') }),
    admin ? h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', id: 'new-product', onclick: () => nameForm(pedit, 'product', null, null) }, both('新建产品名称', 'New product name'))) : null,
    pedit);

  // Stores (营业网点).
  body.append(sub('营业网点', 'Stores'));
  const stores = h('div', { id: 'store-list' });
  const sedit = h('div', { id: 'store-edit' });
  body.append(h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', id: 'new-store', onclick: () => storeForm(sedit, b) }, both('新建网点', 'New store'))), sedit, stores);
  const cols = [
    { key: 'name', label: both('网点', 'Store') },
    { key: 'unit', label: both('单位', 'Unit'), render: (s) => nameOf('unit', s.unit) },
    { key: 'address', label: both('地址', 'Address') },
    { key: 'loc', label: both('位置', 'Location'), render: (s) => (s.location ? `${s.location.lat.toFixed(5)}, ${s.location.lng.toFixed(5)}` : '—') },
    { key: 'act', label: both('操作', 'Action'), render: (s) => h('button', { type: 'button', class: 'btn small', 'data-edit-store': s.id, 'aria-label': L('编辑 ', 'Edit ') + s.name, onclick: () => storeForm(sedit, b, s) }, both('编辑', 'Edit')) },
  ];
  let tbl = null;
  const p = pager(stores, (after) => call('GET', '/stores?' + qs({ unit: admin ? '' : me().unit, after, limit: 100 })), (items, append) => {
    if (!append || !tbl) { tbl?.remove(); tbl = table(cols, items, { empty: L('还没有网点', 'No stores yet') }); stores.prepend(tbl); } else tbl.addRows(items);
  });
  await p.reload();
}

function unitForm(holder, b, code) {
  const l = code ? b.units[code] || {} : {};
  const parents = Object.keys(b.units || {}).filter((c) => c !== code);
  const f = form({
    submit: code ? both('保存', 'Save') : both('创建', 'Create'),
    cancel: () => holder.replaceChildren(),
    reload: async () => { const now = (await names(true)).units?.[code]; return now ? `${now.zh} · ${now.en || ''}` : null; },
    fields: [
      code ? null : field('code', both('单位编码', 'Unit code'), input({ autocomplete: 'off', autocapitalize: 'off' }), L('工单和人员引用此编码，创建后不能更改', 'Orders and people refer to it; it cannot change later')),
      field('zh', both('中文名称', 'Chinese name'), input({ value: l.zh || '' })),
      field('en', both('英文名称', 'English name'), input({ value: l.en || '' })),
      field('parent', both('上级单位', 'Parent unit'), select('parent', [['', L('（无：地市分公司）', '(none: city branch)')], ...parents.map((c) => [c, nameOf('unit', c)])], l.parent || '')),
    ],
    onSubmit: async (v, fe) => {
      const c = code || v.code.trim();
      if (!c) { const slot = fe.querySelector('[data-err=code]'); slot.textContent = L('请填写单位编码', 'Enter a unit code'); return; }
      await call('PUT', '/names/unit/' + encodeURIComponent(c), { body: { zh: v.zh, en: v.en, parent: v.parent } });
      toast(L('已保存', 'Saved'));
      ui.render();
    },
  });
  f.id = 'unit-form';
  holder.replaceChildren(h('h3', null, code ? L('编辑单位：', 'Edit unit: ') + nameOf('unit', code) : both('新建单位', 'New unit')), f);
  f.querySelector('input')?.focus();
}

function nameForm(holder, kind, code, l) {
  const f = form({
    cancel: () => holder.replaceChildren(),
    fields: [
      code ? null : field('code', both('产品编码', 'Product code'), input({ autocomplete: 'off' }), L('与工单中的产品编码一致', 'As work orders spell it')),
      field('zh', both('中文名称', 'Chinese name'), input({ value: l?.zh || '' })),
      field('en', both('英文名称', 'English name'), input({ value: l?.en || '' })),
    ],
    onSubmit: async (v, fe) => {
      const c = code || v.code.trim();
      if (!c) { fe.querySelector('[data-err=code]').textContent = L('请填写产品编码', 'Enter a product code'); return; }
      await call('PUT', `/names/${kind}/` + encodeURIComponent(c), { body: { zh: v.zh, en: v.en } });
      toast(L('已保存', 'Saved'));
      ui.render();
    },
  });
  f.id = kind + '-form';
  holder.replaceChildren(h('h3', null, code ? L('编辑：', 'Edit: ') + nameOf(kind, code) : both('新建产品名称', 'New product name')), f);
}

// storeForm creates a store, or edits `was` (its number never changes:
// walkthroughs are keyed on it).
function storeForm(holder, b, was = null) {
  const f = form({
    submit: was ? both('保存', 'Save') : both('创建', 'Create'),
    cancel: () => holder.replaceChildren(),
    fields: [
      was ? null : field('id', both('网点编号', 'Store number'), input({ autocomplete: 'off' })),
      field('name', both('网点名称', 'Store name'), input({ value: was?.name || '' })),
      field('unit', both('所属单位', 'Unit'), select('unit', unitOptions(b, was?.unit || me().unit), was?.unit || me().unit)),
      field('address', both('地址', 'Address'), input({ value: was?.address || '' })),
      field('lat', both('纬度', 'Latitude'), input({ inputmode: 'decimal', value: was?.location ? String(was.location.lat) : '' }), L('可选，如 30.657', 'optional, e.g. 30.657')),
      field('lng', both('经度', 'Longitude'), input({ inputmode: 'decimal', value: was?.location ? String(was.location.lng) : '' }), L('可选，如 104.066', 'optional, e.g. 104.066')),
    ],
    onSubmit: async (v, fe) => {
      const out = { id: was ? was.id : v.id.trim(), name: v.name, unit: v.unit, address: v.address };
      if (v.lat.trim() || v.lng.trim()) {
        const lat = Number(v.lat), lng = Number(v.lng);
        if (!v.lat.trim() || !v.lng.trim() || !Number.isFinite(lat) || !Number.isFinite(lng)) {
          fe.querySelector('[data-err=lat]').textContent = L('纬度和经度须同时填写数字', 'Enter both latitude and longitude as numbers');
          return;
        }
        out.location = { lat, lng };
      }
      try {
        if (was) {
          const patch = {};
          for (const k of ['name', 'unit', 'address']) if (out[k] !== (was[k] || '')) patch[k] = out[k];
          if (out.location && (out.location.lat !== was.location?.lat || out.location.lng !== was.location?.lng)) patch.location = out.location;
          if (!Object.keys(patch).length) { toast(L('没有改动', 'Nothing changed')); return; }
          await call('PATCH', '/stores/' + encodeURIComponent(was.id), { body: patch });
        } else await call('POST', '/stores', { body: out });
      } catch (err) {
        // the server names the pair "location": show it by both boxes
        if (err.fields?.location) err.fields.lat = err.fields.location;
        throw err;
      }
      toast(was ? L('已保存', 'Saved') : L('已创建网点', 'Store created'));
      ui.render();
    },
  });
  f.id = 'store-form';
  holder.replaceChildren(h('h3', null, was ? L('编辑网点：', 'Edit store: ') + was.name : both('新建网点', 'New store')), f);
  f.querySelector('input')?.focus();
}

// ---------- audit (审计) ----------
const ACTIONS = [
  ['auth.login', '登录', 'Log in'], ['auth.logout', '退出', 'Log out'], ['user.create', '新建人员', 'Person created'],
  ['user.patch', '修改人员', 'Person changed'], ['workorder.', '工单', 'Work orders'], ['submission.', '提交记录', 'Submissions'],
  ['template.', '检查表', 'Checklists'], ['rectification.', '整改', 'Rectifications'], ['callback.', '回访', 'Callbacks'],
  ['store.', '网点', 'Stores'], ['names.set', '修改名称', 'Name set'], ['photo.', '照片', 'Photos'], ['keys.rotate', '更换签名密钥', 'Signing key rotated'],
];
function actionLabel(a) {
  const hit = ACTIONS.find(([k]) => a === k) || ACTIONS.find(([k]) => k.endsWith('.') && a.startsWith(k));
  return hit ? L(hit[1], hit[2]) + (hit[0] === a ? '' : ' · ' + a.slice(hit[0].length)) : a;
}
const KINDS = { user: ['人员', 'Person'], workorder: ['工单', 'Order'], submission: ['记录', 'Submission'], template: ['检查表', 'Checklist'],
  store: ['网点', 'Store'], rectification: ['整改单', 'Rectification'], callback: ['回访', 'Callback'], unit: ['单位', 'Unit'], product: ['产品', 'Product'],
  role: ['角色', 'Role'], photo: ['照片', 'Photo'], key: ['签名密钥', 'Signing key'] };
function objectLabel(o) {
  const [kind, ...rest] = String(o || '').split('/');
  const id = rest.join('/');
  const k = KINDS[kind];
  if (!k) return o || '';
  if (kind === 'user') return L(k[0], k[1]) + '：' + nameOf('person', id);
  if (kind === 'unit' || kind === 'product' || kind === 'role') return L(k[0], k[1]) + '：' + nameOf(kind, id);
  if (kind === 'workorder') return L(k[0], k[1]) + ' ' + id; // the order number people quote
  return h('span', { title: id }, L(k[0], k[1]));
}
// Devices are opaque ids: shown as a short tag (the whole id on hover) that
// filters the log to that device when tapped.
const deviceTag = (d, pick) => (d ? h('button', { type: 'button', class: 'btn small', title: d, 'data-device': d, onclick: () => pick(d) }, L('终端 ', 'Device ') + d.slice(-4)) : '');

async function audit(body) {
  // "Who" offers the people the caller manages (a supervisor: their unit's),
  // not every name the names book carries.
  const [, users] = await Promise.all([names(), call('GET', '/users?limit=5000')]);
  const people = (users.items || []).map((x) => x.username).sort((a, c) => nameOf('person', a).localeCompare(nameOf('person', c), 'zh'));
  const who = select('actor', [['', L('所有人', 'Everyone')], ...people.map((u) => [u, nameOf('person', u)])], '');
  const what = select('action', [['', L('全部操作', 'Every action')], ...ACTIONS.map(([k, zh, en]) => [k, L(zh, en)])], '');
  const from = input({ type: 'date', value: dayPlus(-6) });
  const to = input({ type: 'date', value: today() });
  const device = input({ placeholder: L('终端编号', 'Device id') });
  const filters = h('form', { class: 'cfilters', id: 'audit-filters' },
    field('actor', both('谁', 'Who'), who), field('action', both('做了什么', 'What'), what),
    field('from', both('从', 'From'), from), field('to', both('到', 'To'), to), field('device', both('终端', 'Device'), device),
    h('button', { class: 'btn primary', type: 'submit' }, both('查询', 'Search')));
  const list = h('div', { id: 'audit-list' });
  const params = () => ({ actor: who.value, action: what.value, from: from.value, to: to.value, device: device.value.trim() });
  const exp = (format) => h('button', { type: 'button', class: 'btn', 'data-export': format, onclick: () => guard(filters, () => download('/audit?' + qs({ ...params(), format }), 'audit.' + format)) },
    L('导出 ', 'Export ') + format.toUpperCase());
  clear(body).append(title('审计', 'Audit'),
    h('p', { class: 'muted small' }, isAdmin() ? L('全部单位的操作记录。', 'Every unit\'s log.') : L('本单位的操作记录。', 'Your unit\'s log.')),
    filters, h('div', { class: 'row' }, exp('csv'), exp('xlsx')), list);
  const cols = [
    { key: 'at', label: both('时间', 'When'), render: (e) => fmtTime(e.at) },
    { key: 'actor', label: both('谁', 'Who'), render: (e) => nameOf('person', e.actor) },
    { key: 'action', label: both('操作', 'What'), render: (e) => actionLabel(e.action) },
    { key: 'object', label: both('对象', 'On'), render: (e) => objectLabel(e.object) },
    { key: 'unit', label: both('单位', 'Unit'), render: (e) => (e.unit ? nameOf('unit', e.unit) : '') },
    { key: 'device', label: both('终端', 'Device'), render: (e) => deviceTag(e.device, (d) => { device.value = d; filters.requestSubmit(); }) },
  ];
  let tbl = null;
  const p = pager(list, async (after) => {
    const res = await call('GET', '/audit?' + qs({ ...params(), after, limit: 50 }));
    return res;
  }, (items, append) => {
    if (!append || !tbl) { tbl?.remove(); tbl = table(cols, items, { empty: L('此条件下没有记录', 'Nothing in this range') }); list.prepend(tbl); } else tbl.addRows(items);
  });
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    guard(filters, async () => {
      // dates are checked by the server; a bad one shows by its field
      await call('GET', '/audit?' + qs({ ...params(), limit: 1 }));
      await p.reload();
    });
  });
  await p.reload();
}

// ---------- operations (运维) ----------
function bytes(n) {
  if (n == null) return '—';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < u.length - 1) { x /= 1024; i++; }
  return (i ? x.toFixed(1) : String(x)) + ' ' + u[i];
}
function dur(sec) {
  if (!sec) return '—';
  const hrs = Math.floor(sec / 3600), min = Math.round((sec % 3600) / 60);
  return L(`${hrs ? hrs + ' 小时' : ''}${min ? min + ' 分钟' : ''}`, `${hrs ? hrs + ' h ' : ''}${min ? min + ' min' : ''}`.trim());
}
const kv = (rows) => h('dl', { class: 'kvgrid' }, rows.map(([k, v, id]) => [h('dt', null, k), h('dd', { 'data-kv': id || null }, v)]));

async function ops(body) {
  const [st, ready] = await Promise.all([call('GET', '/admin/status'), fetch('/readyz', { cache: 'no-store' }).then((r) => r.json()).catch(() => null)]);
  const checks = ready?.checks || {};
  const b = st.build || {};
  const backupBox = h('div', { class: 'dlg', id: 'backup' });
  backupBox.append(h('p', null, L('备份包含数据库和照片（不含签名密钥）；恢复后所有人需重新登录。', 'The backup holds the database and photos (not the signing key); after a restore everyone logs in again.')),
    h('button', { type: 'button', class: 'btn primary', id: 'backup-download', onclick: () => guard(backupBox, async () => {
      const name = await download('/admin/backup', 'fieldcheck-backup.tar');
      toast(L('已开始下载 ', 'Downloading ') + name);
    }) }, both('下载备份', 'Download backup')));
  clear(body).append(title('运维', 'Operations'),
    sub('运行状态', 'Health'),
    kv([
      [both('状态', 'Status'), st.status === 'ready' ? h('span', { class: 'state st-sent', 'data-status': 'ready' }, L('正常', 'Ready')) : h('span', { class: 'state st-rejected', 'data-status': st.status }, L('未就绪', 'Not ready')), 'status'],
      ...Object.entries(checks).map(([k, v]) => [L('检查 ', 'Check ') + k, v === 'ok' ? L('正常', 'OK') : v]),
      [both('程序版本', 'Version'), (b.version || '—') + (b.commit ? ' (' + b.commit.slice(0, 12) + ')' : ''), 'version'],
      [both('应用版本', 'App version'), st.app_version || '—'],
      [both('数据结构版本', 'Data schema'), String(st.schema ?? '—')],
      [both('服务器时间', 'Server time'), fmtTime(st.time)],
    ]),
    sub('数据量', 'Data'),
    kv([
      [both('数据库', 'Database'), bytes(st.data?.db_bytes), 'db'],
      [both('照片数量', 'Photos'), String(st.data?.photos ?? '—'), 'photos'],
      [both('照片大小', 'Photo bytes'), bytes(st.data?.photo_bytes)],
    ]),
    sub('备份', 'Backup'), backupBox,
    sub('当前配置（只读）', 'Settings in force (read-only)'),
    h('p', { class: 'muted small' }, L('这些配置来自服务器的环境变量，修改后需重启服务。', 'These come from the server\'s environment; change them there and restart.')),
    kv([
      [both('短信等待时间', 'SMS wait'), dur(st.settings?.sms_wait_seconds) + ' (FIELDCHECK_SMS_WAIT)', 'sms_wait'],
      [both('短信网关', 'SMS webhook'), st.settings?.sms_webhook || L('未配置：短信留在待发箱', 'Not set: messages wait in the SMS outbox'), 'webhook'],
      [both('公网地址', 'Public URL'), st.settings?.public_url || L('未配置：链接为相对地址', 'Not set: links are relative'), 'public_url'],
      [both('监控指标访问', 'Metrics access'), st.settings?.metrics_open ? L('公开（FIELDCHECK_METRICS_OPEN=1）', 'Open (FIELDCHECK_METRICS_OPEN=1)') : L('仅管理员令牌', 'Admin token only'), 'metrics'],
    ]));
}

export { NetError, isEn };
