package engine

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/internal/testfiles"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// withPartSize sets how many subjects a part holds at most.
func withPartSize(t *testing.T, n int) {
	t.Helper()
	old := partSubjects
	partSubjects = n
	t.Cleanup(func() { partSubjects = old })
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
// subjects gives exactly the findings of one evaluation over everything
// (in the same order once sorted as reports sort them), for the built-in rules on a generated
// cluster (every RBAC rule fires on it), whatever the part size and the
// number of parts evaluated at once.
func TestSplitEqualsWhole(t *testing.T) {
	view := corpusView(t, "S")
	withPartSize(t, len(view.Subjects))
	whole := evaluateWith(t, Options{}, view)
	rules := map[string]int{}
	for _, r := range whole {
		rules[r.Finding.RuleID]++
	}
	for _, id := range []string{"KA-RBAC-002", "KA-RBAC-003", "KA-RBAC-004", "KA-RBAC-005", "KA-RBAC-006", "KA-RBAC-010", "KA-RBAC-011"} {
		if rules[id] == 0 {
			t.Fatalf("corpus has no %s finding; the comparison would prove little (%v)", id, rules)
		}
	}
	for _, tc := range []struct{ size, parallelism int }{{1, 2}, {7, 1}, {10, 3}, {len(view.Subjects) / 2, 2}} {
		withPartSize(t, tc.size)
		e, err := Load(context.Background(), Options{Parallelism: tc.parallelism})
		if err != nil {
			t.Fatal(err)
		}
		if n := e.parts(len(view.Subjects)); n < 2 {
			t.Fatalf("part size %d: %d parts for %d subjects", tc.size, n, len(view.Subjects))
		}
		split, err := e.EvaluateResults(context.Background(), view)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(sortResults(split), sortResults(whole)) {
			t.Errorf("part size %d, parallelism %d: %d findings differ from the %d of one evaluation", tc.size, tc.parallelism, len(split), len(whole))
		}
	}
}

// TestSplitUserRules: a user rule that looks across subjects (not marked
// per_subject) still sees every subject, and a per-subject user rule's
// findings that do not name a subject come once.
func TestSplitUserRules(t *testing.T) {
	withPartSize(t, 2)
	doc := facts.New("manifests")
	for _, id := range []string{"User:a", "User:b", "User:c", "User:d", "User:e"} {
		doc.Subjects = append(doc.Subjects, facts.Subject{ID: id, Kind: "User", Name: id[5:]})
	}
	dir := testfiles.Tree(t, map[string]string{
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
	slices.Sort(got)
	want := []string{"TEST-001 5 subjects", "TEST-002 User:a", "TEST-002 User:b", "TEST-002 User:c", "TEST-002 User:d", "TEST-002 User:e", "TEST-002 always"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings = %q, want %q", got, want)
	}
}

// TestSplitRolesAndBindings: the roles and bindings reach the whole query
// and, when a per-subject rule reads them, every part; the releasing
// evaluation finds the same.
func TestSplitRolesAndBindings(t *testing.T) {
	withPartSize(t, 2)
	newDoc := func() *facts.Document {
		doc := facts.New("manifests")
		for _, id := range []string{"User:a", "User:b", "User:c"} {
			doc.Subjects = append(doc.Subjects, facts.Subject{ID: id, Kind: "User", Name: id[5:]})
		}
		doc.Roles = []facts.Role{{Ref: facts.Ref{Kind: "ClusterRole", Name: "r1"}}, {Ref: facts.Ref{Kind: "ClusterRole", Name: "r2"}}}
		doc.Bindings = []facts.Binding{{Ref: facts.Ref{Kind: "ClusterRoleBinding", Name: "b1"}}}
		return doc
	}
	whole := policy("t.whole", okCustom, `findings contains {"msg": sprintf("%d roles, %d bindings", [count(input.roles), count(input.bindings)]), "resource": {"kind": "Cluster"}} if true
`)
	perCustom := strings.Replace(okCustom, "TEST-001", "TEST-002", 1) + "#   per_subject: true\n"
	for _, tc := range []struct {
		name, body string
		readsRBAC  bool
		want       []string
	}{
		{"parts without roles", `findings contains {"msg": s.id, "resource": {"kind": "Subject", "name": s.id}} if some s in input.subjects
`, false, []string{"TEST-001 2 roles, 1 bindings", "TEST-002 User:a", "TEST-002 User:b", "TEST-002 User:c"}},
		{"parts read roles", `findings contains {"msg": sprintf("%s sees %d roles", [s.id, count(input.roles)]), "resource": {"kind": "Subject", "name": s.id}} if some s in input.subjects
`, true, []string{"TEST-001 2 roles, 1 bindings", "TEST-002 User:a sees 2 roles", "TEST-002 User:b sees 2 roles", "TEST-002 User:c sees 2 roles"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testfiles.Tree(t, map[string]string{"whole.rego": whole, "per.rego": policy("t.per", perCustom, tc.body)})
			e, err := Load(context.Background(), Options{PolicyDirs: []string{dir}, Disabled: builtinIDs(t), Parallelism: 2})
			if err != nil {
				t.Fatal(err)
			}
			if e.split == nil || e.split.perReadsRBAC != tc.readsRBAC {
				t.Fatalf("split %+v, want perReadsRBAC %v", e.split, tc.readsRBAC)
			}
			for _, release := range []bool{false, true} {
				doc := newDoc()
				evaluate := e.Evaluate
				if release {
					evaluate = e.EvaluateReleasing
				}
				fs, err := evaluate(context.Background(), doc)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range fs {
					got = append(got, f.RuleID+" "+f.Message)
				}
				slices.Sort(got)
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("release=%v: findings = %q, want %q", release, got, tc.want)
				}
			}
		})
	}
}

// TestParts: a document is split into parts of at most partSubjects.
func TestParts(t *testing.T) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ subjects, want int }{
		{subjects: 0, want: 0},
		{subjects: partSubjects, want: 1},
		{subjects: partSubjects + 1, want: 2},
		{subjects: 10 * partSubjects, want: 10},
	} {
		if got := e.parts(tc.subjects); got != tc.want {
			t.Errorf("%d subjects: %d parts, want %d", tc.subjects, got, tc.want)
		}
	}
}

// TestSubjectsByPart: every subject lands in exactly one part, parts are
// in input order and about equal, and the subjects of one binding stay
// together.
func TestSubjectsByPart(t *testing.T) {
	var subjects []facts.Subject
	for i := range 100 {
		b := facts.Ref{Kind: "ClusterRoleBinding", Name: fmt.Sprintf("b%d", i/4)} // 4 subjects per binding
		s := facts.Subject{ID: fmt.Sprintf("User:u%d", i)}
		if i%10 == 9 {
			s.Ineffective = []facts.Ineffective{{Path: &facts.Path{Binding: b}}}
		} else {
			s.Grants = []facts.Grant{{Path: &facts.Path{Binding: b}}}
		}
		subjects = append(subjects, s)
	}
	subjects = append(subjects, facts.Subject{ID: "User:loose"})
	parts := subjectsByPart(subjects, 3)
	seen := map[int]bool{}
	partOfBinding := map[string]int{}
	for p, idx := range parts {
		if !slices.IsSorted(idx) {
			t.Errorf("part %d is not in input order: %v", p, idx)
		}
		if len(idx) < 30 || len(idx) > 38 {
			t.Errorf("part %d holds %d of 101 subjects, want about a third", p, len(idx))
		}
		for _, j := range idx {
			if seen[j] {
				t.Fatalf("subject %d is in two parts", j)
			}
			seen[j] = true
			if b := firstBinding(&subjects[j]); b != nil {
				if q, ok := partOfBinding[b.Name]; ok && q != p {
					t.Errorf("binding %s split over parts %d and %d", b.Name, q, p)
				}
				partOfBinding[b.Name] = p
			}
		}
	}
	if len(seen) != len(subjects) {
		t.Errorf("%d of %d subjects placed", len(seen), len(subjects))
	}
}

// TestReadsSubjects: rules evaluated once on the whole input get the
// subjects only when they (or a helper they call) may read them.
func TestReadsSubjects(t *testing.T) {
	helper := "package t.helper\n\nall_ids := [s.id | some s in input.subjects]\n\nroles := input.roles\n"
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"roles only", `findings contains {"msg": r.name, "resource": {"kind": "Role"}} if some r in input.roles`, false},
		{"subjects", `findings contains {"msg": s.id, "resource": {"kind": "X"}} if some s in input.subjects`, true},
		{"through a helper", `findings contains {"msg": "n", "resource": {"kind": "X"}} if count(data.t.helper.all_ids) > 3`, true},
		{"helper without subjects", `findings contains {"msg": "n", "resource": {"kind": "X"}} if count(data.t.helper.roles) > 3`, false},
		{"computed key", `findings contains {"msg": k, "resource": {"kind": "X"}} if some k, _ in input`, true},
		{"bare input", `findings contains {"msg": "n", "resource": {"kind": "X"}} if count(object.keys(input)) > 0`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testfiles.Tree(t, map[string]string{"r.rego": policy("t.rule", okCustom, tc.body+"\n"), "helper.rego": helper})
			e, err := Load(context.Background(), Options{PolicyDirs: []string{dir}, Disabled: builtinIDs(t)})
			if err != nil {
				t.Fatal(err)
			}
			if e.split != nil {
				t.Fatal("no per-subject rule is enabled, yet the engine splits")
			}
			comp, err := compileModules(mustParse(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			if got := readsInput(comp, e.rules, "subjects"); got != tc.want {
				t.Errorf("readsInput(subjects) = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestBuiltinWholeRulesSkipSubjects: no built-in rule outside the
// per-subject ones reads input.subjects, and no per-subject one reads the
// roles or bindings, so their inputs leave them out.
func TestBuiltinWholeRulesSkipSubjects(t *testing.T) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.split == nil || len(e.split.whole) == 0 || len(e.split.perSubject) == 0 {
		t.Fatal("built-in rules should include per-subject and whole rules")
	}
	if e.split.wholeReadsSubjects {
		t.Error("a built-in rule without custom.per_subject reads input.subjects")
	}
	if e.split.perReadsRBAC {
		t.Error("a built-in per-subject rule reads input.roles or input.bindings")
	}
}

// TestPerSubjectMetadata: custom.per_subject must be a boolean.
func TestPerSubjectMetadata(t *testing.T) {
	dir := testfiles.Tree(t, map[string]string{"r.rego": policy("t.bad", okCustom+"#   per_subject: yes please\n", okBody)})
	_, err := Load(context.Background(), Options{PolicyDirs: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), "custom.per_subject must be true or false") {
		t.Fatalf("err = %v, want a per_subject error", err)
	}
}

// sortResults sorts results as reports sort findings, ties by fingerprint.
func sortResults(rs []Result) []Result {
	slices.SortStableFunc(rs, func(a, b Result) int {
		if c := finding.Compare(&a.Finding, &b.Finding); c != 0 {
			return c
		}
		return strings.Compare(a.Finding.Fingerprint, b.Finding.Fingerprint)
	})
	return rs
}

// builtinIDs lists every built-in rule id (to disable them all).
func builtinIDs(t *testing.T) []string {
	t.Helper()
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range e.AllRules() {
		ids = append(ids, r.ID)
	}
	return ids
}

// mustParse parses the policy modules of dir.
func mustParse(t *testing.T, dir string) map[string]*ast.Module {
	t.Helper()
	srcs, err := dirSources(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	mods, err := parseSources(srcs)
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// TestEvaluateReleasing: the releasing evaluation finds what Evaluate does
// and leaves the document's subjects, roles and bindings cleared.
func TestEvaluateReleasing(t *testing.T) {
	view := corpusView(t, "S")
	withPartSize(t, 10)
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Evaluate(context.Background(), view)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.EvaluateReleasing(context.Background(), view)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("releasing evaluation: %d findings, want the %d of Evaluate", len(got), len(want))
	}
	for i, s := range view.Subjects {
		if s.ID != "" || s.Grants != nil || s.Escalations != nil {
			t.Fatalf("subject %d not released: %s", i, s.ID)
		}
	}
	if view.Roles != nil || view.Bindings != nil {
		t.Errorf("roles (%d) and bindings (%d) not released", len(view.Roles), len(view.Bindings))
	}
}

// TestSplitRuleError: a per-subject rule failing at run time fails the
// evaluation with its error, once, not once per part.
func TestSplitRuleError(t *testing.T) {
	withPartSize(t, 1)
	doc := facts.New("manifests")
	for _, id := range []string{"User:a", "User:b", "User:c", "User:d"} {
		doc.Subjects = append(doc.Subjects, facts.Subject{ID: id, Kind: "User", Name: id[5:]})
	}
	dir := testfiles.Tree(t, map[string]string{"bad.rego": policy("t.bad", okCustom+"#   per_subject: true\n", `findings contains f if {
	some s in input.subjects
	f := {"msg": sprintf("%d", [to_number(s.name)]), "resource": {"kind": "X"}}
}
`)})
	e, err := Load(context.Background(), Options{PolicyDirs: []string{dir}, Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Evaluate(context.Background(), doc)
	if err == nil || strings.Count(err.Error(), "to_number") != 1 {
		t.Fatalf("err = %v, want one to_number error", err)
	}
}
