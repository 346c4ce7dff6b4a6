// Package golden compares rendered output (templates, policies) with files
// under testdata/, for tests. `go test -update` rewrites the files.
package golden

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Equal fails t unless got equals the file at path, or rewrites the file
// first when the tests run with -update.
func Equal(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the output differs from %s (rerun with -update if the change is intended):\n%s", path, got)
	}
}
