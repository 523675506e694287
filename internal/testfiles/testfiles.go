// Package testfiles writes file trees for tests.
package testfiles

import (
	"os"
	"path/filepath"
	"testing"
)

// Tree writes files (slash-separated name relative to the tree -> content)
// into a new temporary directory, creating subdirectories, and returns it.
func Tree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
