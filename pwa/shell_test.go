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
