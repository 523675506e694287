package finding

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// referenceSort is the order Sort promises, written the obvious way.
func referenceSort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		for _, c := range [][2]string{
			{a.RuleID, b.RuleID},
			{a.Resource.Namespace, b.Resource.Namespace},
			{a.Resource.Kind, b.Resource.Kind},
			{a.Resource.Name, b.Resource.Name},
			{a.Subject, b.Subject},
			{a.Location.String(), b.Location.String()},
			{a.Message, b.Message},
		} {
			if c[0] != c[1] {
				return c[0] < c[1]
			}
		}
		return false
	})
}

// TestSortMatchesReference: random findings with many ties on every key
// (and locations that order as text, "f:10" before "f:9"), mixed or
// grouped by rule id, sort exactly as the reference, ties kept in input
// order (Path tells them apart).
func TestSortMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	for round := range 50 {
		fs := make([]Finding, 1+rng.IntN(300))
		for i := range fs {
			fs[i] = Finding{
				RuleID:   pick("KA-RBAC-001", "KA-RBAC-011", "CUSTOM-1"),
				Resource: Resource{Kind: pick("Role", "ClusterRole"), Namespace: pick("", "a", "b"), Name: pick("x", "y")},
				Subject:  pick("", "User:a", "Group:b"),
				Location: Location{File: pick("", "f.yaml", "g.yaml"), Line: rng.IntN(12), URI: pick("", "k8s://x")},
				Message:  pick("m1", "m2"),
				Path:     fmt.Sprint(i),
			}
		}
		if round%2 == 1 {
			// Grouped by rule id, as the engine returns findings: sorted
			// rule by rule.
			sort.SliceStable(fs, func(i, j int) bool { return fs[i].RuleID < fs[j].RuleID })
			if ruleRuns(fs) == nil {
				t.Fatalf("round %d: findings grouped by rule id not seen as runs", round)
			}
		}
		want := append([]Finding(nil), fs...)
		referenceSort(want)
		Sort(fs)
		if !reflect.DeepEqual(fs, want) {
			t.Fatalf("round %d: Sort differs from the reference order", round)
		}
		if !IsSorted(fs) {
			t.Fatalf("round %d: IsSorted is false after Sort", round)
		}
		if len(fs) > 1 && Compare(&fs[0], &fs[len(fs)-1]) != 0 {
			fs[0], fs[len(fs)-1] = fs[len(fs)-1], fs[0]
			if IsSorted(fs) {
				t.Fatalf("round %d: IsSorted is true with the ends swapped", round)
			}
		}
	}
}

// TestCompareAccess: each key decides only when the ones before it tie;
// locations compare as text.
func TestCompareAccess(t *testing.T) {
	base := Access{Subject: "User:b", Subresource: "proxy", Binding: "ClusterRoleBinding/b", Role: "ClusterRole/b", Location: Location{File: "f", Line: 9}}
	for _, tc := range []struct {
		name string
		edit func(*Access)
		want int // CompareAccess(edited, base)
	}{
		{"equal", func(*Access) {}, 0},
		{"subject first", func(a *Access) { a.Subject, a.Subresource = "User:a", "stats" }, -1},
		{"subresource", func(a *Access) { a.Subresource, a.Binding = "stats", "ClusterRoleBinding/a" }, 1},
		{"binding", func(a *Access) { a.Binding, a.Role = "ClusterRoleBinding/a", "ClusterRole/z" }, -1},
		{"role", func(a *Access) { a.Role = "ClusterRole/c" }, 1},
		{"location as text", func(a *Access) { a.Location.Line = 10 }, -1}, // "f:10" < "f:9"
	} {
		a := base
		tc.edit(&a)
		if got := CompareAccess(&a, &base); got != tc.want {
			t.Errorf("%s: CompareAccess = %d, want %d", tc.name, got, tc.want)
		}
		if got := CompareAccess(&base, &a); got != -tc.want {
			t.Errorf("%s: reversed CompareAccess = %d, want %d", tc.name, got, -tc.want)
		}
	}
}
