// The supervisor's screens (registered with roles.js): the dashboard at "/",
// recent work orders at /wo and one order at /wo/:id. Their code loads on
// first use, so a technician's phone never parses it (the service worker
// still precaches it, so it opens offline too).
import { register, ui } from './roles.js';
import { currentSession } from './api.js';

const allowed = () => ['supervisor', 'admin'].includes(currentSession()?.user?.role);
async function supervisorHome() {
  await (await import('./sup-dash.js')).supervisorHome();
  // 逾期未检 (issue 21): the plans screen's card, online only (console/ is not precached).
  const grid = ui.main.querySelector('.supgrid');
  if (grid) import('/console/plans.js').then((m) => grid.isConnected && m.overdueCard(grid)).catch(() => {});
}
// /console/plans until the console shell takes the route over.
async function plans() {
  if (!allowed()) return ui.navigate('/', true);
  return (await import('/console/plans.js')).render(ui.main, location.pathname);
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
    [/^\/console\/plans$/, plans],
  ],
});
