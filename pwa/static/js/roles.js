// Role screens plug into the app here, so each role's module owns its views
// without app.js knowing their insides.
//
// A module calls register({ roles, home, routes }):
//   roles  – which user roles get `home` as their "/" screen;
//   home   – async () => void, renders into ui.main;
//   routes – [[/^\/path\/([^/]+)$/, async (...groups) => void], ...].
// ui is filled by app.js before the first render: { main, navigate, render,
// setLeaving(fn), stateLabel(sheet), orderCard(order, sheet, full), fmtAnswer(item, answer) }.
export const homes = {};
export const routes = [];
export const ui = {};

export function register({ roles = [], home, routes: list = [] }) {
  for (const r of roles) homes[r] = home;
  routes.push(...list);
}
