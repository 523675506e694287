package kubeletconfig

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// This file runs policies/config on its own — the Rego unit tests with OPA's
// tester and the rules over parsed files — so the collector and its rules are
// tested together independently of the engine package.

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

func TestRegoUnitTests(t *testing.T) {
	ch, err := tester.NewRunner().SetCompiler(strictCompiler()).SetModules(policyModules(t, true)).
		RaiseBuiltinErrors(true).RunTests(context.Background(), nil)
	if err != nil {
		t.Fatalf("run rego tests: %v", err)
	}
	n := 0
	for r := range ch {
		n++
		if r.Fail || r.Error != nil {
			t.Errorf("%s.%s (%s:%d): fail=%v err=%v", r.Package, r.Name, r.Location.File, r.Location.Row, r.Fail, r.Error)
		}
	}
	if n < 40 {
		t.Errorf("ran %d rego tests, want every rule covered (>= 40)", n)
	}
}

// ruleSet is the compiled config rules: rule id -> package path.
type ruleSet struct {
	compiler *ast.Compiler
	pkgs     map[string]string
}

func loadRules(t *testing.T) ruleSet {
	t.Helper()
	mods := policyModules(t, false)
	c := strictCompiler()
	if c.Compile(mods); c.Failed() {
		t.Fatalf("compile policies: %v", c.Errors)
	}
	rs := ruleSet{compiler: c, pkgs: map[string]string{}}
	for _, m := range mods {
		for _, a := range m.Annotations {
			if a.Scope != "package" {
				continue
			}
			if id, ok := a.Custom["id"].(string); ok {
				rs.pkgs[id] = m.Package.Path.String()
			}
		}
	}
	return rs
}

// regoFinding is the part of a rule result the tests look at.
type regoFinding struct {
	Msg      string            `json:"msg"`
	Resource map[string]string `json:"resource"`
	Location struct {
		File string `json:"file"`
		Line int    `json:"line"`
		URI  string `json:"uri"`
	} `json:"location"`
	Evidence map[string]string `json:"evidence"`
	Key      string            `json:"key"`
}

// evaluate runs every config rule over doc and returns findings by rule id.
func (rs ruleSet) evaluate(t *testing.T, doc *facts.Document) map[string][]regoFinding {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var input any
	if err := json.Unmarshal(raw, &input); err != nil {
		t.Fatal(err)
	}
	out := map[string][]regoFinding{}
	for id, pkg := range rs.pkgs {
		res, err := rego.New(rego.Compiler(rs.compiler), rego.Query(pkg+".findings"), rego.Input(input)).Eval(context.Background())
		if err != nil {
			t.Fatalf("evaluate %s: %v", id, err)
		}
		if len(res) != 1 {
			t.Fatalf("evaluate %s: %d results", id, len(res))
		}
		b, _ := json.Marshal(res[0].Expressions[0].Value)
		var fs []regoFinding
		if err := json.Unmarshal(b, &fs); err != nil {
			t.Fatalf("rule %s result %s: %v", id, b, err)
		}
		if len(fs) > 0 {
			sort.Slice(fs, func(i, j int) bool { return fs[i].Msg < fs[j].Msg })
			out[id] = fs
		}
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
