package reports

import (
	"bytes"
	"encoding/json"
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
