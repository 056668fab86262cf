// The operator's console (/console…) for admins and supervisors: this
// loader is all a phone precaches; the screens (../console/*.js) load on
// first use and only online (they are not in the service worker's cache).
import { register } from './roles.js';
import * as ui from './nav.js';
import { currentSession } from './api.js';
import { h, clear } from './dom.js';

async function consoleView() {
  if (!['admin', 'supervisor'].includes(currentSession()?.user?.role)) return ui.navigate('/', true);
  // The console's shared module and style sheet are fetched alongside its
  // shell rather than after it (one round trip instead of three).
  if (!document.getElementById('console-css') && import.meta.resolve) {
    const kit = import.meta.resolve('../console/kit.js'); // the import map's ?v= URL
    document.head.append(h('link', { rel: 'modulepreload', href: kit }),
      h('link', { rel: 'stylesheet', id: 'console-css', href: '/console/console.css' + new URL(kit).search }));
  }
  let mod;
  try {
    mod = await import('../console/console.js');
  } catch {
    clear(ui.main).append(h('div', { class: 'warnbox', role: 'alert', 'data-offline': '' },
      h('b', null, '控制台需要联网'), ' · The console needs a connection. ',
      h('a', { href: '/', 'data-link': '' }, '返回首页 · Home')));
    return undefined;
  }
  return mod.render(ui.main, location.pathname);
}

// The fine review (issue 22): /fines, and /fines/YYYY-MM for a month; a desk
// screen too (console/fines.js), registered here so a deep link works on a
// first load.
async function fines(month) {
  if (!['admin', 'supervisor'].includes(currentSession()?.user?.role)) return ui.navigate('/', true);
  let mod;
  try { mod = await import('../console/fines.js'); } catch {
    ui.main.append(h('p', { class: 'warnbox', 'data-offline': '' }, '罚款审核需要联网 · The fine review needs a connection.'));
    return undefined;
  }
  return mod.fineReview(ui.main, month);
}

// 政企服务稽查 (issue 20): the inspector's screens, which the unit's
// supervisor and the admin open from the console (the inspector's module
// registers the same paths for the inspector).
const audits = (name) => async function audit(id) { return (await import('../console/audits.js'))[name](id); };

register({ roles: ['admin', 'supervisor'], routes: [[/^\/console(?:\/.*)?$/, consoleView], [/^\/fines$/, fines], [/^\/fines\/(\d{4}-\d{2})$/, fines],
  [/^\/audits$/, audits('auditList')], [/^\/audits\/new$/, audits('auditNew')], [/^\/audits\/([^/]+)$/, audits('auditView')]] });
