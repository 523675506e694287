package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// fastCases are inputs with whether the fast parser must take them; when it
// does, its trees must equal yaml.v3's.
var fastCases = []struct {
	name string
	in   string
	fast bool
}{
	{"generated role", "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: \"r\"\n  namespace: \"ns\"\nrules:\n- apiGroups: [\"\"]\n  resources: [\"pods\", 'nodes/proxy']\n  verbs: [get, list]\n", true},
	{"two documents", "---\nkind: A\n---\nkind: B\n", true},
	{"implicit first document", "kind: A\nmetadata: {name: x}\nlabels: {}\n---\nkind: B\n", true},
	{"indented root", "  kind: A\n  v: 1\n", true},
	{"blank lines and trailing spaces", "---  \n\nkind: A   \n\n  \nspec:\n\n  x: \"y\"  \n", true},
	{"compact sequence in item", "a:\n- b:\n  - c\n  - d\n  e: f\n- g\n", true},
	{"indented sequence", "a:\n    - x\n    - y: 1\n      z: [1, 2.5, true, null]\nb: 2\n", true},
	{"scalars resolve", "a: 1\nb: true\nc: null\nd: 1e3\ne: 0x1F\nf: 2001-12-14\ng: ~\nh: yes\ni: <<\nj: .inf\nk: +1\nl: 'it''s'\nm: \"x: y\"\nn: registry/app:1.0\no: a, b\np: it's\n", true},
	{"keys resolve", "1: a\ntrue: b\nnull: c\n", true},
	{"flow map", "labels: {app: x, tier: \"a b\", n: 1}\nempty: []\n", true},
	{"no final newline", "kind: A\nb: c", true},
	{"ellipsis value", "a: ...\n", true},
	{"comment", "# c\nkind: A\n", false},
	{"trailing comment", "kind: A # c\n", false},
	{"anchor", "a: &x 1\nb: *x\n", false},
	{"tag", "a: !!str 1\n", false},
	{"block scalar", "a: |\n  x\n", false},
	{"multi-line plain", "a: b\n  c\n", false},
	{"multi-line flow", "a: [b,\n  c]\n", false},
	{"empty value", "a:\nb: 1\n", false},
	{"empty document", "---\n---\nkind: A\n", false},
	{"end marker", "kind: A\n...\n", false},
	{"escape", "a: \"x\\ny\"\n", false},
	{"tab", "a:\tb\n", false},
	{"crlf", "a: b\r\n", false},
	{"non-ASCII", "a: é\n", false},
	{"nested sequence", "a:\n- - b\n", false},
	{"root sequence", "- a\n", false},
	{"root scalar", "a\n", false},
	{"merge key", "<<: {a: b}\n", false},
	{"quoted keys", "\"a\": b\n'c''d': {\"e\": f, 'g': \"\"}\n\"h\":\n  \"i\": 1\n", true},
	{"quoted key without space", "\"a\":b\n", false},
	{"nested flow", "a: {b: [c]}\n", false},
	{"mapping value in plain", "a: b: c\n", false},
	{"bad indent", "a:\n  b: 1\n c: 2\n", false},
	{"marker with content", "--- a: b\n", false},
	{"trailing comma", "a: [b, ]\n", false},
	{"flow plain with colon", "a: [b:c]\n", false},
	{"broken quote", "a: \"b\n", false},
	{"text after quote", "a: \"b\" c\n", false},
	{"sequence then key", "a: 1\n- b\n", false},
	{"directive", "%YAML 1.2\n---\na: b\n", false},
}

// checkFast parses in with both parsers and reports any difference; it
// returns whether the fast parser took the input.
func checkFast(t *testing.T, name string, in []byte) bool {
	t.Helper()
	var p fastParser
	got, ok := p.parse(in)
	if !ok {
		return false
	}
	want, err := parseAll(in)
	if err != nil {
		t.Errorf("%s: fast parser accepted input yaml.v3 rejects: %v", name, err)
		return true
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d documents, yaml.v3 %d", name, len(got), len(want))
		return true
	}
	for i := range got {
		if d := nodeDiff(got[i], want[i], fmt.Sprintf("doc%d", i)); d != "" {
			t.Errorf("%s: %s", name, d)
			return true
		}
	}
	return true
}

// nodeDiff describes the first difference between two trees, or "".
func nodeDiff(a, b *yaml.Node, path string) string {
	type fields struct {
		Kind                                         yaml.Kind
		Style                                        yaml.Style
		Tag, Value, Anchor, HeadComment, LineComment string
		FootComment                                  string
		Line, Column, Content                        int
		Alias                                        bool
	}
	fa := fields{a.Kind, a.Style, a.Tag, a.Value, a.Anchor, a.HeadComment, a.LineComment, a.FootComment, a.Line, a.Column, len(a.Content), a.Alias != nil}
	fb := fields{b.Kind, b.Style, b.Tag, b.Value, b.Anchor, b.HeadComment, b.LineComment, b.FootComment, b.Line, b.Column, len(b.Content), b.Alias != nil}
	if fa != fb {
		return fmt.Sprintf("%s: fast %+v, yaml.v3 %+v", path, fa, fb)
	}
	if (a.Content == nil) != (b.Content == nil) {
		return fmt.Sprintf("%s: nil content differs", path)
	}
	for i := range a.Content {
		if d := nodeDiff(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
			return d
		}
	}
	return ""
}

// TestParseFastMatchesYAMLv3 pins which inputs take the fast path and that
// its trees equal yaml.v3's (kinds, styles, tags, values, lines, columns).
func TestParseFastMatchesYAMLv3(t *testing.T) {
	for _, tc := range fastCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkFast(t, tc.name, []byte(tc.in)); got != tc.fast {
				t.Errorf("fast path taken = %v, want %v", got, tc.fast)
			}
		})
	}
}

// TestParseFastFiles compares both parsers on the test data and the
// real-world corpus, and checks that every file of a generated corpus (the
// benchmark's shape) takes the fast path.
func TestParseFastFiles(t *testing.T) {
	files, generated := fastTestFiles(t)
	gendir := filepath.Dir(filepath.Dir(generated[0]))
	fast := 0
	for _, f := range append(files, generated...) {
		b, err := os.ReadFile(f)
		if err != nil || strings.IndexByte(string(b), 0) >= 0 {
			continue
		}
		if checkFast(t, f, b) {
			fast++
		} else if strings.HasPrefix(f, gendir) {
			t.Errorf("%s: generated file not taken by the fast parser", f)
		}
	}
	t.Logf("fast path took %d of %d files", fast, len(files)+len(generated))
}

// FuzzParseFast: whenever the fast parser takes an input, yaml.v3 parses it
// to the same trees.
func FuzzParseFast(f *testing.F) {
	for _, tc := range fastCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkFast(t, "input", in)
	})
}

// BenchmarkParseFast parses 64 KiB batches of generated manifests.
func BenchmarkParseFast(b *testing.B) {
	var sb strings.Builder
	genManifest(&sb, 60)
	text := []byte(sb.String())
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var p fastParser
	for b.Loop() {
		if _, ok := p.parse(text); !ok {
			b.Fatal("fast path not taken")
		}
	}
}

// TestParseFastDropsHugeBlocks: after a huge document the parser keeps at
// most fastKeepBlocks slabs and holds no pointer to the others, and the
// next parse still gives correct trees.
func TestParseFastDropsHugeBlocks(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("items:\n")
	for i := range fastKeepBlocks * fastBlock / 2 {
		fmt.Fprintf(&sb, "- k%d: v\n", i) // three nodes per item
	}
	var p fastParser
	if _, ok := p.parse([]byte(sb.String())); !ok || len(p.blocks) <= fastKeepBlocks {
		t.Fatalf("huge document: ok %v, %d blocks; want more than %d", ok, len(p.blocks), fastKeepBlocks)
	}
	docs, ok := p.parse([]byte("kind: Role\nmetadata: {name: r}\n"))
	if !ok || len(docs) != 1 || scalarField(docs[0].Content[0], "kind") != "Role" {
		t.Fatalf("small document after a huge one: ok %v, %d docs", ok, len(docs))
	}
	if len(p.blocks) > fastKeepBlocks || len(p.pblocks) > fastKeepBlocks {
		t.Errorf("kept %d node and %d content blocks, want at most %d", len(p.blocks), len(p.pblocks), fastKeepBlocks)
	}
	for i, b := range p.blocks[len(p.blocks):cap(p.blocks)] {
		if b != nil {
			t.Fatalf("dropped node block %d is still referenced", i)
		}
	}
	for _, n := range p.stack[:cap(p.stack)] {
		if n != nil && !p.inSlabs(n) {
			t.Fatal("the stack points into a dropped block")
		}
	}
}

// inSlabs reports whether n is a node of the kept blocks.
func (p *fastParser) inSlabs(n *yaml.Node) bool {
	for _, b := range p.blocks {
		for i := range b {
			if &b[i] == n {
				return true
			}
		}
	}
	return false
}
