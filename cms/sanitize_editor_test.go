package cms

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEditorOutputIsStoredUnchanged reads what the admin UI's body editor
// sends for each case in admin-ui/src/editor/cases.mjs (the fixtures are
// regenerated in a browser by admin-ui/src/editor/gen-fixtures.mjs) and
// requires the sanitizer to store it byte for byte. If it did not, saving a
// body would change its content hash although the writer changed nothing,
// and an approval would not survive a harmless re-save.
func TestEditorOutputIsStoredUnchanged(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "admin-ui", "src", "editor", "fixtures", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	// As many as cases.mjs has: a lost fixture must fail, not test less.
	if len(files) < 10 {
		t.Fatalf("found %d editor fixtures, want at least 10", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			body := strings.TrimSuffix(string(data), "\n")
			if body == "" {
				t.Fatal("empty fixture")
			}
			got, rep := SanitizeHTML(body)
			if got != body || rep.Changed || len(rep.Removed) != 0 {
				t.Errorf("sanitizer changed editor output (removed %v)\n sent %s\nstored %s", rep.Removed, body, got)
			}
		})
	}
}
