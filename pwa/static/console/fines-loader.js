// The fine review's routes (issue 22): /fines, and /fines/YYYY-MM for a month.
// The screen itself (fines.js) is a desk screen: online-only, loaded on use.
import { register, ui } from '../js/roles.js';
import { currentSession } from '../js/api.js';
import { h } from '../js/dom.js';
import { t } from '../js/i18n.js';

const allowed = () => ['supervisor', 'admin'].includes(currentSession()?.user?.role);
async function fines(month) {
  if (!allowed()) return ui.navigate('/', true);
  let mod;
  try { mod = await import('./fines.js'); } catch {
    ui.main.append(h('p', { class: 'warnbox', 'data-offline': '' }, t('need_network'))); // a desk screen: not kept offline
    return;
  }
  return mod.fineReview(ui.main, month);
}

register({ roles: [], routes: [[/^\/fines$/, fines], [/^\/fines\/(\d{4}-\d{2})$/, fines]] });
