// Role screens plug into the app here, so each role's module owns its views
// without app.js knowing their insides.
//
// A module calls register({ roles, home, routes }):
//   roles  – which user roles get `home` as their "/" screen;
//   home   – async () => void, renders into ui.main (optional: a module with
//            only routes leaves the roles' homes as they are);
//   routes – [[/^\/path\/([^/]+)$/, async (...groups) => void], ...].
// ui is filled by app.js before the first render: { main, navigate, render,
// setLeaving(fn), setEditing(bool) (an editable sheet is on show: no app update now), stateLabel(sheet), orderCard(order, sheet, full), fmtAnswer(item, answer), locate(),
// submitSheet(sheet, template, view, holder, stopAutosave) → queued? }.
export const homes = {};
export const routes = [];
export const ui = {};

const sheetPaths = [];
// sheetPath (optional): (sheet) => the path of the role's own screen for a
// sheet it made (an inspection), or null for sheets that are not its own.
export function register({ roles = [], home, routes: list = [], sheetPath }) {
  if (home) for (const r of roles) homes[r] = home; // routes only (the console): keep the role's home
  routes.push(...list);
  if (sheetPath) sheetPaths.push(sheetPath);
}
// sheetPathOf is where a sheet opens: its role's screen, else the
// technician's acceptance sheet.
export function sheetPathOf(sheet) {
  for (const f of sheetPaths) { const p = f(sheet); if (p) return p; }
  return '/sheet/' + encodeURIComponent(sheet.id);
}
