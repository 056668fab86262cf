// Role screens plug into the app here, so each role's module owns its views
// without the shell knowing their insides.
//
// A role module is a file that, when imported, calls register({ roles, home, routes, sheetPath }):
//   roles  – which user roles get `home` as their "/" screen;
//   home   – async () => void, draws into main (nav.js) (optional: a module with
//            only routes leaves the roles' homes as they are);
//   routes – [[/^\/path\/([^/]+)$/, async (...groups) => void], ...];
//   sheetPath (optional) – (sheet) => the path of the role's own screen for a
//            sheet it made (an inspection), or null for sheets that are not its own.
// What a screen needs it imports: main, navigate, render, setLeaving,
// setEditing from nav.js; stateLabel, submitSheet, fmtAnswer, locate from
// sheet-ui.js.
//
// The shell imports a role's modules (MODULES) the first time a screen is
// drawn for a signed-in person, so a phone parses only its own role's code.
// The field roles' modules are precached by the service worker (pwa/shell.go),
// so they load with no signal too.
export const homes = {};
export const routes = [];

const sheetPaths = [];
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

// MODULES: the files each role loads. An agent also opens their own call
// reviews (qa.js: /my/reviews); admins and supervisors share the dashboard
// and the console's loader. A role not named here gets the technician's.
const MODULES = {
  technician: ['./technician.js'],
  inspector: ['./inspector.js'],
  agent: ['./agent.js', './qa.js'],
  qa: ['./qa.js'],
  supervisor: ['./supervisor.js', './desk.js'],
  admin: ['./supervisor.js', './desk.js'],
};
const DEFAULT = 'technician';

// homeOf is the "/" screen of a role.
export const homeOf = (role) => homes[role] || homes[DEFAULT];

// preload asks for a module and everything it imports at once, rather than
// one round trip per level of its imports. GRAPH lists, per module the shell
// imports lazily, the files it needs beyond the shell (?v= URLs, written by
// pwa/shell.go).
const GRAPH = "__MODULES__";
function preload(path) {
  for (const href of (typeof GRAPH === 'object' && GRAPH[path]) || []) {
    if (document.querySelector(`link[rel=modulepreload][href="${href}"]`)) continue;
    const l = document.createElement('link');
    l.rel = 'modulepreload';
    l.href = href;
    document.head.append(l);
  }
}

const loading = {};
// load imports a role's modules once (they register themselves as they run).
export function load(role) {
  const key = role in MODULES ? role : DEFAULT;
  loading[key] ??= Promise.all(MODULES[key].map((f) => {
    try { preload(new URL(f, import.meta.url).pathname); } catch { /* a hint only */ }
    return import(f);
  })).catch((e) => { delete loading[key]; throw e; });
  return loading[key];
}
