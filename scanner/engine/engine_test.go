package engine

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/internal/testfiles"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

const (
	exampleDir = "../../testdata/policies/example"
	brokenDir  = "../../testdata/policies/broken"
)

// policy renders a user rule with the given METADATA custom section and body.
func policy(pkg, custom, body string) string {
	return "# METADATA\n# title: Test rule\n# description: A rule used by engine tests.\n" +
		"# related_resources:\n#   - ref: https://example.com/rule\n# custom:\n" + custom +
		"package " + pkg + "\n\n" + body
}

const okCustom = "#   id: TEST-001\n#   severity: high\n#   remediation: Fix it.\n#   tags: [test]\n#   cis: [\"1.2\", 4.2]\n"

const okBody = `findings contains f if {
	some s in input.subjects
	f := {"msg": s.id, "resource": {"kind": "Subject", "name": s.id}}
}
`

func TestLoadBuiltin(t *testing.T) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	rules := e.Rules()
	if len(rules) == 0 {
		t.Fatal("no built-in rules")
	}
	if !sort.SliceIsSorted(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID }) {
		t.Error("Rules() not sorted by id")
	}
	byID := map[string]finding.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
		if r.Source != "builtin" {
			t.Errorf("%s: Source = %q, want builtin", r.ID, r.Source)
		}
	}
	r001, ok := byID["KA-RBAC-001"]
	if !ok || r001.Severity != finding.SeverityCritical || !strings.Contains(r001.Title, "exec") {
		t.Errorf("KA-RBAC-001 = %+v", r001)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(e.Hash()) {
		t.Errorf("Hash() = %q, want 16 hex digits", e.Hash())
	}
	again, err := Load(context.Background(), Options{})
	if err != nil || again.Hash() != e.Hash() {
		t.Errorf("hash not stable across loads: %q vs %q (%v)", e.Hash(), again.Hash(), err)
	}
}

func TestLoadCustomDir(t *testing.T) {
	base, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Load(context.Background(), Options{PolicyDirs: []string{exampleDir}})
	if err != nil {
		t.Fatalf("Load example: %v", err)
	}
	if len(e.Rules()) != len(base.Rules())+1 {
		t.Fatalf("got %d rules, want built-ins + 1", len(e.Rules()))
	}
	var custom finding.Rule
	for _, r := range e.Rules() {
		if r.ID == "CUSTOM-001" {
			custom = r
		}
	}
	want := filepath.Join(exampleDir, "metrics_outside_monitoring.rego")
	if custom.Source != want || custom.Severity != finding.SeverityMedium {
		t.Errorf("CUSTOM-001 = %+v, want source %s, severity medium", custom, want)
	}
	if e.Hash() == base.Hash() {
		t.Error("a user policy does not change the bundle hash")
	}
}

func TestLoadMetadata(t *testing.T) {
	dir := testfiles.Tree(t, map[string]string{"r.rego": policy("t.ok", okCustom, okBody)})
	e, err := Load(context.Background(), Options{PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var got finding.Rule
	for _, r := range e.Rules() {
		if r.ID == "TEST-001" {
			got = r
		}
	}
	want := finding.Rule{
		ID: "TEST-001", Title: "Test rule", Severity: finding.SeverityHigh,
		Description: "A rule used by engine tests.", Remediation: "Fix it.",
		References: []string{"https://example.com/rule"}, Tags: []string{"test"},
		CIS: []string{"1.2", "4.2"}, Source: filepath.Join(dir, "r.rego"),
	}
	if !equalRule(got, want) {
		t.Errorf("rule = %+v\nwant   %+v", got, want)
	}
}

func equalRule(a, b finding.Rule) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Severity == b.Severity &&
		a.Description == b.Description && a.Remediation == b.Remediation && a.Source == b.Source &&
		strings.Join(a.References, "|") == strings.Join(b.References, "|") &&
		strings.Join(a.Tags, "|") == strings.Join(b.Tags, "|") && strings.Join(a.CIS, "|") == strings.Join(b.CIS, "|")
}

func TestLoadErrors(t *testing.T) {
	dup := policy("t.a", okCustom, okBody)
	tests := []struct {
		name  string
		files map[string]string
		want  string // regexp the error must match
	}{
		{"duplicate user ids", map[string]string{"a.rego": dup, "b.rego": policy("t.b", okCustom, okBody)},
			`b\.rego: usage error: duplicate rule id TEST-001 \(already defined in .*a\.rego\)`},
		{"user id collides with built-in", map[string]string{"a.rego": policy("t.a", strings.Replace(okCustom, "TEST-001", "KA-RBAC-001", 1), okBody)},
			`duplicate rule id KA-RBAC-001`},
		{"reserved prefix", map[string]string{"a.rego": policy("t.a", strings.Replace(okCustom, "TEST-001", "KA-X-999", 1), okBody)},
			`prefix is reserved for built-in rules`},
		{"bad severity", map[string]string{"a.rego": policy("t.a", strings.Replace(okCustom, "high", "urgent", 1), okBody)},
			`a\.rego:1: usage error: rule TEST-001: bad custom.severity "urgent"`},
		{"missing remediation", map[string]string{"a.rego": policy("t.a", strings.Replace(okCustom, "#   remediation: Fix it.\n", "", 1), okBody)},
			`custom.remediation is missing`},
		{"bad id", map[string]string{"a.rego": policy("t.a", strings.Replace(okCustom, "TEST-001", "test rule", 1), okBody)},
			`bad custom.id "test rule"`},
		{"no metadata", map[string]string{"a.rego": "package t.a\n\n" + okBody},
			`a\.rego:1: usage error: rule package data.t.a has no METADATA block`},
		{"metadata without findings", map[string]string{"a.rego": policy("t.a", okCustom, "x := 1\n")},
			`defines no .findings contains`},
		{"findings not a set", map[string]string{"a.rego": policy("t.a", okCustom, "findings := []\n")},
			`a\.rego:\d+: usage error: .findings. must be a set rule`},
		{"two rules in one package", map[string]string{"a.rego": dup, "b.rego": policy("t.a", strings.Replace(okCustom, "TEST-001", "TEST-002", 1), okBody)},
			`b\.rego:1:1: rego_type_error: package annotation redeclared`},
		{"io builtin", map[string]string{"a.rego": policy("t.a", okCustom, "findings contains f if {\n\tr := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1/\"})\n\tf := {\"msg\": r.body, \"resource\": {\"kind\": \"X\"}}\n}\n")},
			`a\.rego:\d+:\d+: rego_type_error: undefined function http.send`},
		{"strict unused import", map[string]string{"a.rego": policy("t.a", okCustom, "import data.nothing\n\n"+okBody)},
			`a\.rego:\d+:\d+: rego_compile_error: import data.nothing unused`},
		{"only tests", map[string]string{"a_test.rego": "package t\n\ntest_x if true\n"},
			`no \.rego rule files`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := testfiles.Tree(t, tc.files)
			_, err := Load(context.Background(), Options{PolicyDirs: []string{dir}})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !errors.Is(err, finding.ErrUsage) {
				t.Errorf("error does not wrap ErrUsage: %v", err)
			}
			if !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error %q\ndoes not match %q", err, tc.want)
			}
		})
	}
}

func TestLoadSyntaxErrorNamesFileLineColumn(t *testing.T) {
	_, err := Load(context.Background(), Options{PolicyDirs: []string{brokenDir}})
	if !errors.Is(err, finding.ErrUsage) {
		t.Fatalf("err = %v, want a usage error", err)
	}
	var perrs PolicyErrors
	if !errors.As(err, &perrs) || len(perrs) == 0 {
		t.Fatalf("err = %v, want PolicyErrors", err)
	}
	want := filepath.Join(brokenDir, "broken.rego") + ":12:20: rego_parse_error: unexpected string token"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func TestLoadMissingDir(t *testing.T) {
	_, err := Load(context.Background(), Options{PolicyDirs: []string{filepath.Join(t.TempDir(), "nope")}})
	if !errors.Is(err, finding.ErrUsage) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err = %v, want a usage error naming the directory", err)
	}
}

func TestDisabled(t *testing.T) {
	e, err := Load(context.Background(), Options{Disabled: []string{"KA-RBAC-012", " KA-RBAC-001"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Rules() {
		if r.ID == "KA-RBAC-012" || r.ID == "KA-RBAC-001" {
			t.Errorf("disabled rule %s still enabled", r.ID)
		}
	}
	if len(e.AllRules()) != len(e.Rules())+2 {
		t.Errorf("AllRules has %d, Rules %d: want 2 disabled", len(e.AllRules()), len(e.Rules()))
	}
	found, err := e.Evaluate(context.Background(), smallDoc())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		if f.RuleID == "KA-RBAC-012" || f.RuleID == "KA-RBAC-001" {
			t.Errorf("disabled rule reported: %+v", f)
		}
	}
	_, err = Load(context.Background(), Options{Disabled: []string{"KA-RBAC-999", "NOPE"}})
	if !errors.Is(err, finding.ErrUsage) || !strings.Contains(err.Error(), "KA-RBAC-999, NOPE") {
		t.Errorf("unknown disabled ids: err = %v", err)
	}
}

func TestEmbeddedTestsViaTest(t *testing.T) {
	results, err := Test(context.Background(), []string{exampleDir}, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range results {
		names = append(names, r.Name+":"+r.Outcome())
		if !strings.HasPrefix(r.File, exampleDir) {
			t.Errorf("built-in test ran without includeBuiltin: %s", r)
		}
	}
	want := "test_agent_outside_monitoring:PASS test_agent_in_monitoring:PASS"
	if strings.Join(names, " ") != want {
		t.Errorf("results = %v, want %s", names, want)
	}
}

func TestTestReportsFailuresAndErrors(t *testing.T) {
	dir := testfiles.Tree(t, map[string]string{
		"r.rego": policy("t.r", okCustom, okBody),
		"r_test.rego": `package t.r_test

import data.t.r

test_pass if count(r.findings) == 1 with input as {"subjects": [{"id": "a"}]}

test_fail if count(r.findings) == 2 with input as {"subjects": [{"id": "a"}]}

test_error if {
	x := to_number("nope")
	x > 1
}

todo_test_later if false
`,
	})
	results, err := Test(context.Background(), []string{dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range results {
		got[r.Name] = r.Outcome()
	}
	want := map[string]string{"test_pass": "PASS", "test_fail": "FAIL", "test_error": "ERROR", "todo_test_later": "SKIP"}
	for name, outcome := range want {
		if got[name] != outcome {
			t.Errorf("%s: %s, want %s (all: %v)", name, got[name], outcome, got)
		}
	}
}

func TestTestCompileError(t *testing.T) {
	dir := testfiles.Tree(t, map[string]string{"x_test.rego": "package t\n\ntest_x if {\n\ty := undefined_fn(1)\n\ty\n}\n"})
	_, err := Test(context.Background(), []string{dir}, false)
	if !errors.Is(err, finding.ErrUsage) || !strings.Contains(err.Error(), "x_test.rego:4:") {
		t.Errorf("err = %v, want a usage error naming x_test.rego:4:col", err)
	}
}
