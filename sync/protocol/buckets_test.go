package protocol

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// The protocol decodes no domain's buckets (issue 13): it reads work orders,
// stores, templates and submissions through what their owners export, and
// only the change feed (store's own) directly.
func TestProtocolWalksNoOwnersBuckets(t *testing.T) {
	allowed := map[string]bool{}
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
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "store" && strings.HasPrefix(sel.Sel.Name, "Bucket") && !allowed[sel.Sel.Name] {
				t.Errorf("%s reads store.%s: ask the bucket's owner for an iterator (workorders.InScope, OutletsAfter)", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 2 {
		t.Fatalf("checked only %d files", checked)
	}
}
