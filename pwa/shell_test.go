package pwa

import (
	"strings"
	"testing"
	"testing/fstest"
)

// The console's files (console/…) and the supervisor's screens (js/sup-*)
// are for admins and supervisors only: a
// field role's first load must not fetch them, so they are neither
// precached by the service worker nor modulepreloaded, yet they stay in the
// import map so their imports carry ?v= like every other module.
func TestConsoleFilesNotPrecachedNorPreloaded(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":          {Data: []byte("<script type=\"importmap\">__IMPORTMAP__</script>\n<!--__MODULEPRELOAD__-->\n")},
		"sw.js":               {Data: []byte(`const PRECACHE = "__PRECACHE__";`)},
		"js/app.js":           {Data: []byte("import './roles.js';")},
		"console/console.js":  {Data: []byte("export {};")},
		"console/kit.js":      {Data: []byte("export {};")},
		"console/console.css": {Data: []byte("body{}")},
		"js/sup-dash.js":      {Data: []byte("export {};")},
	}
	s := build(fsys)
	index := string(s.files["index.html"].Body)
	sw := string(s.files["sw.js"].Body)
	if !strings.Contains(index, `modulepreload" href="/js/app.js?v=`+s.version) {
		t.Fatalf("app.js is not preloaded:\n%s", index)
	}
	if !strings.Contains(sw, `"/js/app.js?v=`+s.version+`"`) {
		t.Fatalf("app.js is not precached:\n%s", sw)
	}
	for _, n := range []string{"console/console.js", "console/kit.js", "console/console.css", "js/sup-dash.js"} {
		if strings.Contains(sw, "/"+n) {
			t.Errorf("%s is precached:\n%s", n, sw)
		}
		if strings.Contains(index, `modulepreload" href="/`+n) {
			t.Errorf("%s is modulepreloaded:\n%s", n, index)
		}
		if _, ok := s.files[n]; !ok {
			t.Errorf("%s is not served", n)
		}
	}
	for _, n := range []string{"console/console.js", "console/kit.js", "js/sup-dash.js"} {
		if !strings.Contains(index, `"/`+n+`":"/`+n+`?v=`+s.version+`"`) {
			t.Errorf("%s is not in the import map:\n%s", n, index)
		}
	}
}

// The page preloads the shell only (js/app.js and its static imports): a
// role's screens are imported by the shell once it knows who signed in, so
// the login page does not fetch every role's code. They stay precached (a
// technician opens the app with no signal), and roles.js is given each
// role module's files beyond the shell, to preload them in one round.
func TestRoleModulesPreloadedByRoleNotByThePage(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":       {Data: []byte("<script type=\"importmap\">__IMPORTMAP__</script>\n<!--__MODULEPRELOAD__-->\n")},
		"sw.js":            {Data: []byte(`const PRECACHE = "__PRECACHE__";`)},
		"js/app.js":        {Data: []byte("import { h } from './dom.js';\nimport * as roles from './roles.js';\n")},
		"js/roles.js":      {Data: []byte("const GRAPH = \"__MODULES__\";\nconst load = (f) => import(f);\n")},
		"js/dom.js":        {Data: []byte("export const h = 1;")},
		"js/technician.js": {Data: []byte("import { h } from './dom.js';\nimport {\n  renderChecklist,\n} from './checklist.js';\n")},
		"js/checklist.js":  {Data: []byte("import SignaturePad from '../vendor/pad.js';\nexport const renderChecklist = 1;")},
		"vendor/pad.js":    {Data: []byte("export default 1;")},
		"js/supervisor.js": {Data: []byte("import { h } from './dom.js';\nconst dash = () => import('./sup-dash.js');\n")},
		"js/sup-dash.js":   {Data: []byte("export {};")},
	}
	s := build(fsys)
	index := string(s.files["index.html"].Body)
	sw := string(s.files["sw.js"].Body)
	roles := string(s.files["js/roles.js"].Body)
	v := "?v=" + s.version
	for _, n := range []string{"js/app.js", "js/dom.js", "js/roles.js"} {
		if !strings.Contains(index, `modulepreload" href="/`+n+v) {
			t.Errorf("the shell's %s is not preloaded:\n%s", n, index)
		}
	}
	for _, n := range []string{"js/technician.js", "js/checklist.js", "vendor/pad.js", "js/supervisor.js", "js/sup-dash.js"} {
		if strings.Contains(index, `modulepreload" href="/`+n) {
			t.Errorf("%s is preloaded by the page:\n%s", n, index)
		}
	}
	for _, n := range []string{"js/technician.js", "js/checklist.js", "vendor/pad.js", "js/supervisor.js"} {
		if !strings.Contains(sw, `"/`+n+v+`"`) {
			t.Errorf("%s is not precached:\n%s", n, sw)
		}
	}
	for _, want := range []string{
		`"/js/technician.js":["/js/checklist.js` + v + `","/js/technician.js` + v + `","/vendor/pad.js` + v + `"]`,
		`"/js/supervisor.js":["/js/supervisor.js` + v + `"]`,
	} {
		if !strings.Contains(roles, want) {
			t.Errorf("roles.js lacks %s:\n%s", want, roles)
		}
	}
	if strings.Contains(roles, "sup-dash") || strings.Contains(roles, `"/js/checklist.js":`) || strings.Contains(roles, `"/js/dom.js`) {
		t.Errorf("roles.js lists desk, shell or non-root modules:\n%s", roles)
	}
}
