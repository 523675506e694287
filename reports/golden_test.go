package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/reports/sariftest"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const goldenDir = "testdata/golden"

// goldenCases maps each golden file to the format and options that render
// the fixture report into it.
var goldenCases = map[string]struct {
	format string
	opts   Options
}{
	"report.json":  {FormatJSON, Options{}},
	"report.sarif": {FormatSARIF, Options{Root: fixtureRoot}},
	"report.txt":   {FormatTable, Options{}},
	"report.md":    {FormatMarkdown, Options{}},
	"report.html":  {FormatHTML, Options{}},
}

// render writes r in format with opts and fails the test on error.
func render(t *testing.T, format string, opts Options, r *finding.Report) []byte {
	t.Helper()
	w, err := New(format, opts)
	if err != nil {
		t.Fatalf("New(%q): %v", format, err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("%s: Write: %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for name, c := range goldenCases {
		t.Run(name, func(t *testing.T) {
			got := render(t, c.format, c.opts, fixtureReport())
			if c.format == FormatSARIF {
				if err := sariftest.Validate(got); err != nil {
					t.Fatalf("golden SARIF is invalid: %v", err)
				}
			}
			path := filepath.Join(goldenDir, name)
			if *update {
				if err := os.MkdirAll(goldenDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run `go test ./reports -update` to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; rerun with -update if the change is intended.\n%s", name, firstDiff(string(want), string(got)))
			}
		})
	}
}

// TestGoldenFilesHaveCases fails on golden files nobody renders any more.
func TestGoldenFilesHaveCases(t *testing.T) {
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	var orphans []string
	for _, e := range entries {
		if _, ok := goldenCases[e.Name()]; !ok {
			orphans = append(orphans, e.Name())
		}
	}
	sort.Strings(orphans)
	if len(orphans) > 0 {
		t.Errorf("golden files without a case in goldenCases: %s", strings.Join(orphans, ", "))
	}
	if len(entries) < len(goldenCases) {
		t.Errorf("%d golden files for %d cases; run `go test ./reports -update`", len(entries), len(goldenCases))
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs; trailing bytes differ)"
}
