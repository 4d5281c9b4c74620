package all

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/acctsetup/acctsetup/providers/providerdoc"
)

// docsDir holds the generated provider pages, from this package's folder.
var docsDir = filepath.Join("..", "..", "docs", "providers")

// TestProviderDocsCurrent fails when a descriptor changed and its page in
// docs/providers was not written again, naming the page, and when a page
// is left for a provider that is gone.
func TestProviderDocsCurrent(t *testing.T) {
	t.Parallel()
	files := providerdoc.Files(registry(t).All(), HasProbe)
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(docsDir, name))
		switch {
		case err != nil:
			t.Errorf("docs/providers/%s is missing: run %s", name, providerdoc.Generator)
		case !bytes.Equal(got, want):
			t.Errorf("docs/providers/%s is out of date with the descriptors: run %s", name, providerdoc.Generator)
		}
	}
	entries, err := os.ReadDir(docsDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, name := range providerdoc.Stale(names, files) {
		t.Errorf("docs/providers/%s belongs to no provider: run %s", name, providerdoc.Generator)
	}
}
