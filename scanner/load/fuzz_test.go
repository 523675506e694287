package load

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// yamlBreaks normalises the line breaks YAML counts (CRLF, CR, NEL, LS, PS).
var yamlBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n")

// FuzzLoadReader: any input must load without panicking, every error must
// name the stream, and every loaded object must carry a line inside the input.
func FuzzLoadReader(f *testing.F) {
	for _, p := range []string{"multi.yaml", "list.yaml", "kubectl.json", "workloads.yaml"} {
		if b, err := os.ReadFile(testdata(p)); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "---", "~", "- a", "a: &a [*a]", "<<: {kind: Role}", "kind: List\nitems: [{kind: List, items: [1]}]",
		"apiVersion: v1\nkind: Pod\nspec: {serviceAccountName: [x]}", "{{ .x }}", "\xff\xfe-\x00-\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := LoadReader(context.Background(), "f", strings.NewReader(string(in)), Options{MaxFileSize: 1 << 20})
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		lines := strings.Count(yamlBreaks.Replace(string(in)), "\n") + 1
		for _, e := range res.Errors {
			if e.Source != "f" || e.Line < 0 || e.Line > lines {
				t.Fatalf("bad error location %+v for %d lines", e, lines)
			}
		}
		for _, s := range describe(res.Inventory) {
			if !strings.Contains(s, "@f:") {
				t.Fatalf("object without a line: %s", s)
			}
		}
	})
}

// genManifest writes n ClusterRole/ClusterRoleBinding pairs plus some
// ignored objects: about 1 KiB per pair.
func genManifest(w *strings.Builder, n int) {
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: role-%d
  labels: {app: bench, tier: "%d"}
rules:
- apiGroups: [""]
  resources: [nodes/proxy, nodes/stats, pods]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: binding-%d
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: role-%d}
subjects:
- {kind: ServiceAccount, name: sa-%d, namespace: ns-%d}
- {kind: Group, name: "system:authenticated"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-%d}
data: {key: "value %d"}
`, i, i%7, i, i, i, i%50, i, i)
	}
}

// BenchmarkLoad loads a generated multi-MB manifest file.
func BenchmarkLoad(b *testing.B) {
	var sb strings.Builder
	genManifest(&sb, 5000)
	p := filepath.Join(b.TempDir(), "bench.yaml")
	if err := os.WriteFile(p, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Load(context.Background(), []string{p}, Options{})
		if err != nil || len(res.Inventory.ClusterRoles) != 5000 || len(res.Errors) != 0 {
			b.Fatalf("err %v, %d roles, %d errors", err, len(res.Inventory.ClusterRoles), len(res.Errors))
		}
	}
}

// genReader produces n copies of doc on the fly and samples the heap as it goes.
type genReader struct {
	doc      string
	left     int
	pending  string
	reads    int
	peakHeap uint64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.pending == "" {
		if g.left == 0 {
			return 0, io.EOF
		}
		g.left--
		g.pending = g.doc
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	if g.reads++; g.reads%2000 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		g.peakHeap = max(g.peakHeap, ms.HeapAlloc)
	}
	return n, nil
}

// TestLoadStreamsBelowLimit: a 32 MiB stream (10 MiB under -race) of
// ignored objects is processed document by document; the heap never holds
// the stream.
func TestLoadStreamsBelowLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("streams tens of MiB")
	}
	total := 32 << 20
	if raceEnabled {
		total = 10 << 20
	}
	doc := "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: filler}\ndata:\n  blob: \"" + strings.Repeat("x", 4000) + "\"\n"
	g := &genReader{doc: doc, left: total / len(doc)}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := LoadReader(context.Background(), "-", g, Options{MaxFileSize: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ignored != total/len(doc) || len(res.Errors) != 0 {
		t.Fatalf("ignored %d, errors %v", res.Ignored, errorTexts(res.Errors))
	}
	grow := int64(g.peakHeap) - int64(before.HeapAlloc)
	t.Logf("peak heap growth %.1f MiB for a %d MiB stream", float64(grow)/(1<<20), total>>20)
	if grow > int64(min(total/2, 8<<20)) {
		t.Errorf("heap grew by %d MiB while streaming %d MiB; the stream is being buffered", grow>>20, total>>20)
	}
}
