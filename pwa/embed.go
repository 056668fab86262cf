// Package pwa is the field app (现场验收): static ES modules, CSS, the service
// worker and the manifest, embedded in the binary. No build step: what is in
// static/ is what the phone runs.
//
// The Go side does two small things a bundler would otherwise do: it derives
// the app version from a hash of every embedded file, and it writes that
// version into index.html (an import map, so every module URL carries ?v=)
// and into sw.js (the versioned cache name and the precache list). A new
// build therefore always means new asset URLs and a new service worker.
package pwa

import (
	"embed"
	"io/fs"
)

//go:embed all:static
var embedded embed.FS

// FS holds the app's files as they are committed, rooted at the site's "/".
// Serve through Lookup to get the version-substituted index.html and sw.js.
var FS fs.FS = mustSub(embedded, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
