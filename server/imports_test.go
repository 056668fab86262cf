package server

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestServerImportsNoBbolt keeps the one shape of issue 13: handlers parse,
// call a domain service and answer; transactions live in the domain
// packages, so no non-test file of server/ may import bbolt.
func TestServerImportsNoBbolt(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "go.etcd.io/bbolt" || strings.HasPrefix(path, "go.etcd.io/bbolt/") {
				t.Errorf("%s imports %s: move the transaction into the domain package's service and call it (docs/DEVELOPING.md, Server conventions)", fset.Position(imp.Pos()), path)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files: is the test running in server/?", checked)
	}
}
