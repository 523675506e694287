package kubeletconfig

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// This file evaluates the config rules over parsed files through the real
// policy engine, so the collector and its rules are tested together. The
// Rego unit tests themselves run in policies/policies_test.go.

const policyDir = "../../policies/config"

// policyModules parses every .rego file of policies/config as Rego v1 with
// annotations; tests selects *_test.rego files too.
func policyModules(t *testing.T, tests bool) map[string]*ast.Module {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(policyDir, "*.rego"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no policies in %s: %v", policyDir, err)
	}
	mods := map[string]*ast.Module{}
	for _, p := range paths {
		if !tests && strings.HasSuffix(p, "_test.rego") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		mods[p] = m
	}
	return mods
}

func strictCompiler() *ast.Compiler {
	return ast.NewCompiler().WithStrict(true).WithDefaultRegoVersion(ast.RegoV1)
}

// ruleSet evaluates the built-in policies through the real engine.
type ruleSet struct {
	engine *engine.Engine
	// pkgs holds the KA-CONFIG rule ids of the catalogue.
	pkgs map[string]bool
}

func loadRules(t *testing.T) ruleSet {
	t.Helper()
	e, err := engine.Load(context.Background(), engine.Options{})
	if err != nil {
		t.Fatalf("load policies: %v", err)
	}
	rs := ruleSet{engine: e, pkgs: map[string]bool{}}
	for _, r := range e.Rules() {
		if strings.HasPrefix(r.ID, "KA-CONFIG-") {
			rs.pkgs[r.ID] = true
		}
	}
	return rs
}

// regoFinding is an evaluated finding with its rule key.
type regoFinding struct {
	finding.Finding
	Key string
}

// evaluate runs the policies over doc and returns KA-CONFIG findings by rule id.
func (rs ruleSet) evaluate(t *testing.T, doc *facts.Document) map[string][]regoFinding {
	t.Helper()
	results, err := rs.engine.EvaluateResults(context.Background(), doc)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	out := map[string][]regoFinding{}
	for _, r := range results {
		if rs.pkgs[r.Finding.RuleID] {
			out[r.Finding.RuleID] = append(out[r.Finding.RuleID], regoFinding{r.Finding, r.Key})
		}
	}
	for _, fs := range out {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Message < fs[j].Message })
	}
	return out
}

// scanFiles is `scan --kubelet-config paths...` up to the findings.
func (rs ruleSet) scanFiles(t *testing.T, paths ...string) map[string][]regoFinding {
	t.Helper()
	cfgs, errs := ParseFiles(paths)
	if len(errs) > 0 {
		t.Fatalf("parse %v: %v", paths, errs)
	}
	doc := facts.New("kubelet-config")
	doc.KubeletConfigs = cfgs
	return rs.evaluate(t, doc)
}

func ids(m map[string][]regoFinding) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
