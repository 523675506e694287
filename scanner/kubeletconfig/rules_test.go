package kubeletconfig

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// TestRuleFixtures scans testdata/rules/KA-CONFIG-*/{positive,negative}.yaml
// as `scan --kubelet-config` would: positive must produce the rule's id,
// negative must not. Every config rule must have both fixtures.
func TestRuleFixtures(t *testing.T) {
	rs := loadRules(t)
	dirs, err := filepath.Glob(filepath.Join(repoRoot(), "testdata", "rules", "KA-CONFIG-*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range dirs {
		id := filepath.Base(d)
		seen[id] = true
		if _, ok := rs.pkgs[id]; !ok {
			t.Errorf("%s: fixture for an unknown rule", d)
			continue
		}
		t.Run(id, func(t *testing.T) {
			pos := rs.scanFiles(t, filepath.Join(d, "positive.yaml"))
			if len(pos[id]) == 0 {
				t.Errorf("positive.yaml: no %s finding (got %v)", id, ids(pos))
			}
			for _, f := range pos[id] {
				if f.Location.File == "" || f.Location.Line == 0 || f.Resource.Name != "positive.yaml" || f.Resource.Kind != Kind {
					t.Errorf("positive.yaml: finding without file:line or resource: %+v", f)
				}
			}
			if neg := rs.scanFiles(t, filepath.Join(d, "negative.yaml")); len(neg[id]) > 0 {
				t.Errorf("negative.yaml: unexpected %s: %s", id, neg[id][0].Message)
			}
		})
	}
	for id := range rs.pkgs {
		if !seen[id] {
			t.Errorf("rule %s has no testdata/rules/%s fixtures", id, id)
		}
	}
}

// TestExamples pins what each testdata/kubelet example produces.
func TestExamples(t *testing.T) {
	rs := loadRules(t)
	tests := []struct {
		file string
		want []string
	}{
		{"hardened.yaml", nil},
		// The 0s idle timeout is replaced by 4h in a file: KA-CONFIG-018, not -005.
		{"insecure-legacy.yaml", []string{"KA-CONFIG-001", "KA-CONFIG-002", "KA-CONFIG-003", "KA-CONFIG-004",
			"KA-CONFIG-006", "KA-CONFIG-008", "KA-CONFIG-009", "KA-CONFIG-010", "KA-CONFIG-011", "KA-CONFIG-012",
			"KA-CONFIG-013", "KA-CONFIG-014", "KA-CONFIG-015", "KA-CONFIG-017", "KA-CONFIG-018"}},
		{"kubeadm-default.yaml", []string{"KA-CONFIG-009", "KA-CONFIG-011", "KA-CONFIG-013", "KA-CONFIG-014",
			"KA-CONFIG-015", "KA-CONFIG-018"}},
		{"minimal-defaults.yaml", []string{"KA-CONFIG-003", "KA-CONFIG-009", "KA-CONFIG-010", "KA-CONFIG-011",
			"KA-CONFIG-013", "KA-CONFIG-014", "KA-CONFIG-015"}},
		{"insecure.json", []string{"KA-CONFIG-001", "KA-CONFIG-004", "KA-CONFIG-016"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := ids(rs.scanFiles(t, filepath.Join(repoRoot(), "testdata", "kubelet", tt.file)))
			if tt.want == nil {
				tt.want = []string{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rule ids\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestFindingDetails checks location, message and evidence of findings from
// a file and from a probed /configz.
func TestFindingDetails(t *testing.T) {
	rs := loadRules(t)
	legacy := filepath.Join(repoRoot(), "testdata", "kubelet", "insecure-legacy.yaml")
	got := rs.scanFiles(t, legacy)
	ro := got["KA-CONFIG-004"][0]
	if ro.Location.File != legacy || ro.Location.Line != 8 || ro.Evidence["value"] != "10255" || ro.Key != PathReadOnlyPort {
		t.Errorf("read-only port finding: %+v", ro)
	}
	dbg := got["KA-CONFIG-014"][0]
	if dbg.Location.Line != 20 || !strings.HasPrefix(dbg.Message, "enableDebuggingHandlers is true (insecure-legacy.yaml)") {
		t.Errorf("debugging finding: %+v", dbg)
	}
	zero := got["KA-CONFIG-018"][0]
	if zero.Location.Line != 17 || !strings.Contains(zero.Message, "default 4h") {
		t.Errorf("zero duration finding: %+v", zero)
	}

	min := rs.scanFiles(t, filepath.Join(repoRoot(), "testdata", "kubelet", "minimal-defaults.yaml"))
	if f := min["KA-CONFIG-014"][0]; !strings.Contains(f.Message, "not set; the kubelet's file default is true") || f.Evidence["defaulted"] != "true" || f.Location.Line != 8 {
		t.Errorf("defaulted finding: %+v", f)
	}

	live, err := ParseConfigz([]byte(configzBody), "node-1")
	if err != nil {
		t.Fatal(err)
	}
	doc := facts.New("probe")
	doc.Kubelets = []facts.Kubelet{{Target: "127.0.0.1:10250", Node: "node-1", State: facts.StateChecked, Config: live}}
	probed := rs.evaluate(t, doc)
	wantLive := []string{"KA-CONFIG-001", "KA-CONFIG-002", "KA-CONFIG-003", "KA-CONFIG-004", "KA-CONFIG-005",
		"KA-CONFIG-008", "KA-CONFIG-009", "KA-CONFIG-010", "KA-CONFIG-011", "KA-CONFIG-013", "KA-CONFIG-014", "KA-CONFIG-015"}
	if !reflect.DeepEqual(ids(probed), wantLive) {
		t.Errorf("probed /configz rule ids\n got %v\nwant %v", ids(probed), wantLive)
	}
	if f := probed["KA-CONFIG-005"][0]; f.Location.URI != "k8s://node/node-1/configz" || f.Resource.Name != "node-1" ||
		!strings.Contains(f.Message, "/configz of node node-1") {
		t.Errorf("configz finding: %+v", f)
	}
}

// TestRegoFixtureMatchesFacts keeps the Rego tests' hardened fixture in step
// with the JSON the collector emits.
func TestRegoFixtureMatchesFacts(t *testing.T) {
	res, err := rego.New(rego.Compiler(compileWithTests(t)), rego.Query("data.kubelet_audit.config.fixtures_test.hardened")).Eval(context.Background())
	if err != nil || len(res) != 1 {
		t.Fatalf("evaluate fixture: %v %v", res, err)
	}
	fixture, _ := res[0].Expressions[0].Value.(map[string]any)
	cfg, errs := ParseFiles([]string{filepath.Join(repoRoot(), "testdata", "kubelet", "hardened.yaml")})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	raw, _ := json.Marshal(cfg[0])
	var emitted map[string]any
	_ = json.Unmarshal(raw, &emitted)
	if a, b := keys(fixture), keys(emitted); !reflect.DeepEqual(a, b) {
		t.Errorf("fixture keys %v\ncollector keys %v", a, b)
	}
}

func compileWithTests(t *testing.T) *ast.Compiler {
	t.Helper()
	c := strictCompiler()
	if c.Compile(policyModules(t, true)); c.Failed() {
		t.Fatal(c.Errors)
	}
	return c
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
