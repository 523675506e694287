package policies_test

import (
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/policies"
	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// builtinID is the shape of a built-in rule id: KA-<AREA>-<nnn>.
var builtinID = regexp.MustCompile(`^KA-([A-Z]+)-\d{3}$`)

func catalogue(t *testing.T) []finding.Rule {
	t.Helper()
	e, err := engine.Load(context.Background(), engine.Options{})
	if err != nil {
		t.Fatalf("load built-in policies: %v", err)
	}
	rules := e.AllRules()
	if len(rules) == 0 {
		t.Fatal("no built-in rules")
	}
	return rules
}

// TestCatalogue checks every rule's METADATA beyond what the engine
// enforces for user policies.
func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range catalogue(t) {
		t.Run(r.ID, func(t *testing.T) {
			if !builtinID.MatchString(r.ID) {
				t.Errorf("id %q does not match %s", r.ID, builtinID)
			}
			if seen[r.ID] {
				t.Errorf("duplicate id %s", r.ID)
			}
			seen[r.ID] = true
			if r.Title == "" || r.Description == "" || r.Remediation == "" {
				t.Errorf("title, description and remediation are required: %+v", r)
			}
			if r.Severity < finding.SeverityInfo || r.Severity > finding.SeverityCritical {
				t.Errorf("severity %v not in info..critical", r.Severity)
			}
			if !strings.HasSuffix(r.Remediation, ".") {
				t.Errorf("remediation must end with a period: %q", r.Remediation)
			}
			if strings.HasSuffix(r.Title, ".") {
				t.Errorf("title must not end with a period: %q", r.Title)
			}
			if len(r.References) == 0 {
				t.Error("no related_resources reference")
			}
			for _, ref := range r.References {
				if !strings.HasPrefix(ref, "https://") {
					t.Errorf("reference %q is not an https URL", ref)
				}
			}
		})
	}
}

// TestRuleFilesAndTests: every rule file has a sibling _test.rego, and
// every rule sits in the directory of its area (KA-RBAC-* in rbac/).
func TestRuleFilesAndTests(t *testing.T) {
	ids := map[string]bool{}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		id := ruleID(t, p)
		if id == "" {
			return nil // a helper library, tested through the rules that use it
		}
		if _, err := fs.Stat(policies.FS, strings.TrimSuffix(p, ".rego")+"_test.rego"); err != nil {
			t.Errorf("%s (%s) has no sibling %s", p, id, path.Base(strings.TrimSuffix(p, ".rego")+"_test.rego"))
		}
		ids[id] = true
		if m := builtinID.FindStringSubmatch(id); m != nil && strings.ToLower(m[1]) != path.Dir(p) {
			t.Errorf("%s: rule %s belongs in policies/%s/", p, id, strings.ToLower(m[1]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range catalogue(t) {
		if !ids[r.ID] {
			t.Errorf("rule %s not found in any embedded file", r.ID)
		}
	}
}

// ruleID reads custom.id from a file's package METADATA ("" for libraries).
func ruleID(t *testing.T, name string) string {
	t.Helper()
	src, err := fs.ReadFile(policies.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	for _, a := range m.Annotations {
		if id, ok := a.Custom["id"].(string); ok && a.Scope == "package" {
			return id
		}
	}
	return ""
}

// TestRuleFixturesExist: every rule has testdata/rules/<id>/ with a positive
// and a negative fixture (manifests, or a facts document for rules that
// only exist live or from probes). scanner's TestRuleFixtures runs them.
func TestRuleFixturesExist(t *testing.T) {
	root := filepath.Join("..", "testdata", "rules")
	for _, r := range catalogue(t) {
		for _, polarity := range []string{"positive", "negative"} {
			yamlPath := filepath.Join(root, r.ID, polarity+".yaml")
			factsPath := filepath.Join(root, r.ID, polarity+".facts.json")
			if !exists(yamlPath) && !exists(factsPath) {
				t.Errorf("%s: missing %s or %s", r.ID, yamlPath, factsPath)
			}
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range catalogue(t) {
		known[r.ID] = true
	}
	for _, e := range entries {
		if !known[e.Name()] {
			t.Errorf("%s: fixture directory for an unknown rule", filepath.Join(root, e.Name()))
		}
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
