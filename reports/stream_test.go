package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

type streamDoc struct {
	Name  string           `json:"name"`
	Items []map[string]any `json:"items"`
	Runs  []*streamRun     `json:"runs"`
	Tail  []string         `json:"tail"`
}

type streamRun struct {
	ID      string           `json:"id"`
	Results []map[string]any `json:"results"`
}

// plain encodes v the way the writers did before streaming.
func plain(t *testing.T, v any, escapeHTML bool) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestWriteSplicedMatchesEncoder checks streamed arrays give the exact
// bytes of encoding the whole document, at depth 1 and 3, empty or not,
// with and without HTML escaping.
func TestWriteSplicedMatchesEncoder(t *testing.T) {
	items := []map[string]any{{"msg": "a <b> & c", "n": 1, "nested": []any{map[string]any{"x": []int{1, 2}}}}, {"msg": "second\nline"}}
	for _, tt := range []struct {
		name    string
		items   []map[string]any
		results []map[string]any
	}{
		{"both", items, items[:1]},
		{"empty items", []map[string]any{}, items},
		{"empty results", items, []map[string]any{}},
	} {
		for _, esc := range []bool{false, true} {
			doc := streamDoc{Name: `"items": null`, Items: tt.items, Runs: []*streamRun{{ID: "r", Results: tt.results}}, Tail: []string{}}
			want := plain(t, doc, esc)
			skel := doc
			skel.Items = nil
			skel.Runs = []*streamRun{{ID: "r"}}
			var got bytes.Buffer
			err := writeSpliced(&got, skel, esc,
				splice{key: "items", indent: "  ", n: len(tt.items), elem: func(i int) any { return tt.items[i] }},
				splice{key: "results", indent: "      ", n: len(tt.results), elem: func(i int) any { return tt.results[i] }})
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want {
				t.Errorf("%s (escapeHTML %v):\n got %s\nwant %s", tt.name, esc, got.String(), want)
			}
		}
	}
}

func TestWriteSplicedMissingKey(t *testing.T) {
	err := writeSpliced(&bytes.Buffer{}, streamDoc{}, false, splice{key: "absent", indent: "  "})
	if err == nil || !strings.Contains(err.Error(), `"absent"`) {
		t.Errorf("error = %v, want one naming the missing array", err)
	}
}

// TestWriteElemsChunked writes reports whose arrays span many chunks on
// several goroutines and compares them with one goroutine's output: the
// same bytes, in order, for every format written with splices.
func TestWriteElemsChunked(t *testing.T) {
	r := fixtureReport()
	// Many findings over several files, so the SARIF writers' per-goroutine
	// URI caches are exercised, and access edges for the JSON access array.
	base := r.Findings
	for k := range 40 {
		for _, f := range base {
			f.Fingerprint = fmt.Sprintf("%s-%d", f.Fingerprint, k)
			if f.Location.File != "" {
				f.Location.File = fmt.Sprintf("/src/repo/manifests/f%d.yaml", k%7)
			}
			r.Findings = append(r.Findings, f)
		}
		r.Access = append(r.Access, fixtureAccess()...)
	}
	write := func(format string, chunk, procs int) string {
		t.Helper()
		oldChunk, oldProcs := elemChunk, runtime.GOMAXPROCS(procs)
		elemChunk = chunk
		defer func() { elemChunk = oldChunk; runtime.GOMAXPROCS(oldProcs) }()
		w, err := New(format, Options{Root: fixtureRoot})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := w.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, format := range []string{"json", "sarif"} {
		want := write(format, 1<<20, 1)
		for _, chunk := range []int{1, 3, 64} {
			if got := write(format, chunk, 4); got != want {
				t.Errorf("%s in chunks of %d on 4 goroutines differs from one goroutine's output", format, chunk)
			}
		}
	}
}
