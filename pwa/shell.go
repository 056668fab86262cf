package pwa

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// File is one prepared asset: the bytes to send, their type and a strong ETag.
type File struct {
	Name        string // path without the leading slash, e.g. "js/app.js"
	Body        []byte
	ContentType string
	ETag        string
	// Entry is true for index.html and sw.js: the files a
	// browser fetches by a fixed URL, which must always be revalidated.
	Entry bool
	// ScriptHashes are CSP sources ('sha256-…') for the page's inline
	// scripts: the import map cannot be an external file.
	ScriptHashes []string
}

type shell struct {
	version string
	files   map[string]*File
}

var (
	once     sync.Once
	prepared shell
)

// Version is the first 16 hex digits of a sha256 over every embedded file's
// name and bytes: it changes whenever any shell file changes.
func Version() string { return load().version }

// Lookup returns the prepared file for a clean path without the leading
// slash ("" and "index.html" are the app's page).
func Lookup(name string) (*File, bool) {
	if name == "" {
		name = "index.html"
	}
	f, ok := load().files[name]
	return f, ok
}

// Names lists every servable file, sorted.
func Names() []string {
	s := load()
	out := make([]string, 0, len(s.files))
	for n := range s.files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func load() *shell {
	once.Do(func() { prepared = build(FS) })
	return &prepared
}

func build(fsys fs.FS) shell {
	raw := map[string][]byte{}
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		raw[p] = b
		names = append(names, p)
		return nil
	})
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(raw[n])
		h.Write([]byte{0})
	}
	version := hex.EncodeToString(h.Sum(nil))[:16]

	// Module URLs carry ?v=<version> so they can be cached for a year: the
	// import map makes every relative import inside the modules do the same.
	imports := map[string]string{}
	precache := []string{"/"}
	for _, n := range names {
		if n == "index.html" || n == "sw.js" {
			continue
		}
		u := "/" + n + "?v=" + version
		if strings.HasSuffix(n, ".js") {
			imports["/"+n] = u
		}
		if !DeskOnly(n) {
			precache = append(precache, u)
		}
	}
	importMap, _ := json.Marshal(map[string]any{"imports": imports})
	// The page preloads the shell (js/app.js and what it imports), fetched
	// in one round instead of one round per depth of the import graph. A
	// role's modules are not preloaded by the page (the login page would
	// pay for every role's code): roles.js is given, per module the shell
	// imports lazily, the files it needs beyond the shell, and preloads
	// those once it knows who signed in.
	graph := importGraph(raw)
	shellMods := closure(graph, "js/app.js")
	var preload bytes.Buffer
	for _, n := range names {
		if shellMods[n] {
			fmt.Fprintf(&preload, "<link rel=\"modulepreload\" href=\"/%s?v=%s\">\n", n, version)
		}
	}
	modules := map[string][]string{}
	for _, root := range lazyRoots(names, graph, shellMods) {
		var urls []string
		for n := range closure(graph, root) {
			if !shellMods[n] && !DeskOnly(n) {
				urls = append(urls, "/"+n+"?v="+version)
			}
		}
		sort.Strings(urls)
		modules["/"+root] = urls
	}
	modulesJSON, _ := json.Marshal(modules)
	precacheJSON, _ := json.Marshal(precache)

	s := shell{version: version, files: map[string]*File{}}
	for _, n := range names {
		body := raw[n]
		entry := false
		switch n {
		case "index.html":
			entry = true
			body = bytes.ReplaceAll(body, []byte("__IMPORTMAP__"), importMap)
			body = bytes.ReplaceAll(body, []byte("<!--__MODULEPRELOAD__-->\n"), preload.Bytes())
			body = bytes.ReplaceAll(body, []byte("__VERSION__"), []byte(version))
		case "sw.js":
			entry = true
			body = bytes.ReplaceAll(body, []byte(`"__PRECACHE__"`), precacheJSON)
			body = bytes.ReplaceAll(body, []byte("__VERSION__"), []byte(version))
		case "js/roles.js":
			body = bytes.ReplaceAll(body, []byte(`"__MODULES__"`), modulesJSON)
		case "manifest.webmanifest":
			// linked with ?v=, so it is cached like any other asset
			body = bytes.ReplaceAll(body, []byte("__VERSION__"), []byte(version))
		}
		var hashes []string
		if n == "index.html" {
			im := sha256.Sum256(importMap)
			hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(im[:])+"'")
		}
		sum := sha256.Sum256(body)
		s.files[n] = &File{
			ScriptHashes: hashes,
			Name:         n,
			Body:         body,
			ContentType:  contentType(n),
			ETag:         `"` + hex.EncodeToString(sum[:8]) + `"`,
			Entry:        entry,
		}
	}
	return s
}

// staticImport matches a module's static imports and re-exports (import x
// from './a.js', import './b.js', export { y } from './c.js'); import()
// calls are lazy and not followed.
var staticImport = regexp.MustCompile(`\b(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?['"]([^'"]+)['"]`)

// importGraph maps each .js file to the files it imports statically.
func importGraph(raw map[string][]byte) map[string][]string {
	g := map[string][]string{}
	for n, b := range raw {
		if !strings.HasSuffix(n, ".js") || n == "sw.js" {
			continue
		}
		for _, m := range staticImport.FindAllSubmatch(b, -1) {
			spec := string(m[1])
			var dep string
			switch {
			case strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../"):
				dep = path.Join(path.Dir(n), spec)
			case strings.HasPrefix(spec, "/"):
				dep = strings.TrimPrefix(spec, "/")
			default:
				continue
			}
			if _, ok := raw[dep]; ok {
				g[n] = append(g[n], dep)
			}
		}
	}
	return g
}

// closure is root and every file it imports, directly or not.
func closure(g map[string][]string, root string) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, d := range g[n] {
			walk(d)
		}
	}
	walk(root)
	return seen
}

// lazyRoots are the field modules outside the shell that no module imports
// statically: the role modules the shell imports by role (roles.js).
func lazyRoots(names []string, g map[string][]string, shellMods map[string]bool) []string {
	imported := map[string]bool{}
	for n, deps := range g {
		if DeskOnly(n) {
			continue
		}
		for _, d := range deps {
			imported[d] = true
		}
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, "js/") && strings.HasSuffix(n, ".js") && !shellMods[n] && !imported[n] && !DeskOnly(n) {
			out = append(out, n)
		}
	}
	return out
}

// DeskOnly reports whether a file is for the desk roles only: the
// operator's console (console/…) and the supervisor's screens (js/sup-*.js).
// They stay in the import map (so their URLs carry ?v= and cache for a year)
// but are neither precached by the service worker nor modulepreloaded, so a
// field role's first load never pays for them. The service worker keeps
// each one the first time it is fetched (sw.js), so a supervisor who opened
// the dashboard online opens it offline too.
func DeskOnly(name string) bool {
	return strings.HasPrefix(name, "console/") || (strings.HasPrefix(name, "js/sup-") && strings.HasSuffix(name, ".js"))
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
