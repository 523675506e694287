package engine

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// withMinPart lowers the subjects-per-part threshold so small documents
// are split.
func withMinPart(t *testing.T, n int) {
	t.Helper()
	old := minPartSubjects
	minPartSubjects = n
	t.Cleanup(func() { minPartSubjects = old })
}

// corpusView loads and resolves the generated corpus of the given size and
// returns its policy view, what a scan evaluates.
func corpusView(t *testing.T, size string) *facts.Document { return corpusViewB(t, size) }

func corpusViewB(t testing.TB, size string) *facts.Document {
	t.Helper()
	res, err := load.Load(context.Background(), []string{gen.Corpus(t, size)}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := rbac.Resolve(res.Inventory, rbac.Options{})
	doc := facts.New("manifests")
	doc.Subjects, doc.Roles, doc.Bindings = out.Subjects, out.Roles, out.Bindings
	return doc.PolicyView()
}

func evaluateWith(t *testing.T, opts Options, doc *facts.Document) []Result {
	t.Helper()
	e, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.EvaluateResults(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestSplitEqualsWhole: evaluating the per-subject rules on parts of the
// subjects gives exactly the findings, in the same order, of one
// evaluation over everything, for the built-in rules on a generated
// cluster (every RBAC rule fires on it).
func TestSplitEqualsWhole(t *testing.T) {
	withMinPart(t, 1)
	view := corpusView(t, "S")
	whole := evaluateWith(t, Options{Parallelism: 1}, view)
	rules := map[string]int{}
	for _, r := range whole {
		rules[r.Finding.RuleID]++
	}
	for _, id := range []string{"KA-RBAC-002", "KA-RBAC-003", "KA-RBAC-004", "KA-RBAC-005", "KA-RBAC-006", "KA-RBAC-010", "KA-RBAC-011"} {
		if rules[id] == 0 {
			t.Fatalf("corpus has no %s finding; the comparison would prove little (%v)", id, rules)
		}
	}
	for _, k := range []int{2, 3, 7} {
		e, err := Load(context.Background(), Options{Parallelism: k})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.parts(len(view.Subjects)); got != k {
			t.Fatalf("parallelism %d: %d parts for %d subjects", k, got, len(view.Subjects))
		}
		split, err := e.EvaluateResults(context.Background(), view)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(split, whole) {
			t.Errorf("parallelism %d: %d findings differ from the %d of one evaluation", k, len(split), len(whole))
		}
	}
}

// TestSplitUserRules: a user rule that looks across subjects (not marked
// per_subject) still sees every subject, and a per-subject user rule's
// findings that do not name a subject come once.
func TestSplitUserRules(t *testing.T) {
	withMinPart(t, 1)
	doc := facts.New("manifests")
	for _, id := range []string{"User:a", "User:b", "User:c", "User:d", "User:e"} {
		doc.Subjects = append(doc.Subjects, facts.Subject{ID: id, Kind: "User", Name: id[5:]})
	}
	dir := writeDir(t, map[string]string{
		"count.rego": policy("t.count", okCustom, `findings contains {"msg": sprintf("%d subjects", [count(input.subjects)]), "resource": {"kind": "Cluster"}} if true
`),
		"each.rego": policy("t.each", strings.Replace(okCustom, "TEST-001", "TEST-002", 1)+"#   per_subject: true\n", `findings contains f if {
	some s in input.subjects
	f := {"msg": s.id, "resource": {"kind": "Subject", "name": s.id}}
}

findings contains {"msg": "always", "resource": {"kind": "Cluster"}} if true
`),
	})
	opts := Options{PolicyDirs: []string{dir}, Parallelism: 2}
	var got []string
	for _, r := range evaluateWith(t, opts, doc) {
		if strings.HasPrefix(r.Finding.RuleID, "TEST-") {
			got = append(got, r.Finding.RuleID+" "+r.Finding.Message)
		}
	}
	want := []string{"TEST-001 5 subjects", "TEST-002 User:a", "TEST-002 User:b", "TEST-002 User:c", "TEST-002 User:d", "TEST-002 User:e", "TEST-002 always"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings = %q, want %q", got, want)
	}
}

// TestParts: small documents and parallelism 1 are not split.
func TestParts(t *testing.T) {
	for _, tc := range []struct {
		parallelism, subjects, want int
	}{
		{parallelism: 1, subjects: 100000, want: 1},
		{parallelism: 2, subjects: 100000, want: 2},
		{parallelism: 8, subjects: 3 * minPartSubjects, want: 3},
		{parallelism: 2, subjects: minPartSubjects*2 - 1, want: 1},
		{parallelism: 2, subjects: 0, want: 1},
	} {
		e, err := Load(context.Background(), Options{Parallelism: tc.parallelism})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.parts(tc.subjects); got != tc.want {
			t.Errorf("parallelism %d, %d subjects: %d parts, want %d", tc.parallelism, tc.subjects, got, tc.want)
		}
	}
}

// TestPerSubjectMetadata: custom.per_subject must be a boolean.
func TestPerSubjectMetadata(t *testing.T) {
	dir := writeDir(t, map[string]string{"r.rego": policy("t.bad", okCustom+"#   per_subject: yes please\n", okBody)})
	_, err := Load(context.Background(), Options{PolicyDirs: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), "custom.per_subject must be true or false") {
		t.Fatalf("err = %v, want a per_subject error", err)
	}
}
