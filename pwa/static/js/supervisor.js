// The supervisor's screens (registered with roles.js): the dashboard at "/",
// recent work orders at /wo and one order at /wo/:id. Their code loads on
// first use, so a technician's phone never parses nor downloads it: they are
// desk-only (pwa/shell.go), and the service worker keeps each once fetched,
// so a supervisor who opened them online opens them offline too.
import { register } from './roles.js';
import * as ui from './nav.js';
import { currentSession } from './api.js';

const allowed = () => ['supervisor', 'admin'].includes(currentSession()?.user?.role);
const plansJS = () => import('/console/plans.js'); // 巡检计划, online only
async function supervisorHome() {
  await (await import('./sup-dash.js')).supervisorHome();
  const grid = ui.main.querySelector('.supgrid'); // + its 逾期未检 card
  if (grid) plansJS().then((m) => grid.isConnected && m.overdueCard(grid)).catch(() => {}); // offline: none
}
async function supOrders() {
  if (!allowed()) return ui.navigate('/', true);
  return (await import('./sup-wo.js')).supOrders();
}
async function supWorkOrder(id) {
  if (!allowed()) return ui.navigate('/', true);
  return (await import('./sup-wo.js')).supWorkOrder(id);
}
async function supSubmission(id) {
  if (!allowed()) return ui.navigate('/', true);
  return (await import('./sup-wo.js')).supSubmission(id);
}
async function supRects() {
  if (!allowed()) return ui.navigate('/', true);
  return (await import('./sup-rect.js')).supRects(ui.main);
}
async function supRect(id) {
  if (!allowed()) return ui.navigate('/', true);
  return (await import('./sup-rect.js')).supRect(ui.main, id);
}

register({
  roles: ['supervisor', 'admin'],
  home: supervisorHome,
  routes: [
    [/^\/wo$/, supOrders],
    [/^\/wo\/([^/]+)$/, supWorkOrder],
    [/^\/sub\/([^/]+)$/, supSubmission],
    [/^\/rect$/, supRects],
    [/^\/rect\/([^/]+)$/, supRect],
  ],
});
