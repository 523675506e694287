package scanner

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// TestWhoCanMatchesGeneratedAnswer scans synthetic corpora (hack/gen-rbac)
// and checks who-can for every node subresource and verb get/create
// against the answer the generator computed from its own construction:
// 0 missed subjects and 0 false subjects. Size S always runs; M (2,000
// roles, 5,000 bindings, about 6 s under -race on 2 shared cores) is skipped with
// -short. Larger sizes are checked by `make bench`.
func TestWhoCanMatchesGeneratedAnswer(t *testing.T) {
	for _, name := range []string{"S", "M"} {
		t.Run(name, func(t *testing.T) {
			if name != "S" && testing.Short() {
				t.Skipf("size %s skipped in -short mode", name)
			}
			size, err := gen.SizeByName(name)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			want, err := gen.Write(dir, size, gen.DefaultSeed)
			if err != nil {
				t.Fatal(err)
			}
			doc, errs, err := Collect(context.Background(), Options{Paths: []string{filepath.Join(dir, gen.ManifestsDir)}})
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) != 0 {
				t.Errorf("%d scan errors on a valid corpus, first: %+v", len(errs), errs[0])
			}
			checkWhoCan(t, doc, want)
		})
	}
}

// checkWhoCan compares WhoCan with the answer for every subresource x verb.
func checkWhoCan(t *testing.T, doc *facts.Document, want *gen.Answer) {
	t.Helper()
	total := 0
	for _, sub := range facts.Subresources {
		for _, verb := range gen.Verbs {
			got := holderIDs(WhoCan(doc, sub, verb))
			exp := want.Holders(sub, verb)
			total += len(exp)
			missed, extra := diffSorted(exp, got)
			if len(missed) > 0 || len(extra) > 0 {
				t.Errorf("%s nodes/%s: %d missed %v, %d false %v", verb, sub, len(missed), head(missed), len(extra), head(extra))
			}
		}
	}
	// A corpus without holders would make the comparison vacuous.
	if total == 0 || len(want.Holders("proxy", "get")) == 0 || len(want.Holders("proxy", "create")) == 0 {
		t.Fatalf("generated answer has too few holders (%d in all)", total)
	}
}

// holderIDs returns the sorted unique subjects of holders.
func holderIDs(hs []Holder) []string {
	ids := make([]string, 0, len(hs))
	for _, h := range hs {
		ids = append(ids, h.Subject)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// diffSorted returns the elements only in want (missed) and only in got (extra).
func diffSorted(want, got []string) (missed, extra []string) {
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || i < len(want) && want[i] < got[j]:
			missed = append(missed, want[i])
			i++
		case i == len(want) || got[j] < want[i]:
			extra = append(extra, got[j])
			j++
		default:
			i++
			j++
		}
	}
	return missed, extra
}

func head(ids []string) []string { return ids[:min(len(ids), 5)] }

func TestDiffSorted(t *testing.T) {
	tests := []struct {
		want, got, missed, extra []string
	}{
		{want: []string{"a", "b"}, got: []string{"a", "b"}},
		{want: []string{"a", "b", "c"}, got: []string{"b"}, missed: []string{"a", "c"}},
		{want: []string{"b"}, got: []string{"a", "b", "c"}, extra: []string{"a", "c"}},
		{want: []string{"a", "c"}, got: []string{"b", "d"}, missed: []string{"a", "c"}, extra: []string{"b", "d"}},
		{got: []string{"x"}, extra: []string{"x"}},
	}
	for _, tt := range tests {
		missed, extra := diffSorted(tt.want, tt.got)
		if !slices.Equal(missed, tt.missed) || !slices.Equal(extra, tt.extra) {
			t.Errorf("diffSorted(%v, %v) = %v, %v; want %v, %v", tt.want, tt.got, missed, extra, tt.missed, tt.extra)
		}
	}
}
