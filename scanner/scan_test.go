package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/engine"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

var (
	engineOnce sync.Once
	testEngine *engine.Engine
	engineErr  error
)

// builtinEngine compiles the embedded policies once per test binary.
func builtinEngine(t testing.TB) *engine.Engine {
	t.Helper()
	engineOnce.Do(func() { testEngine, engineErr = engine.Load(context.Background(), engine.Options{}) })
	if engineErr != nil {
		t.Fatalf("load policies: %v", engineErr)
	}
	return testEngine
}

// repoRoot is the module root (tests run in scanner/).
func repoRoot(t testing.TB) string {
	t.Helper()
	abs, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func scanPaths(t *testing.T, paths ...string) *finding.Report {
	t.Helper()
	r, err := Scan(context.Background(), Options{Paths: paths, Engine: builtinEngine(t), Version: "test"})
	if err != nil {
		t.Fatalf("scan %v: %v", paths, err)
	}
	return r
}

func ruleIDs(r *finding.Report) []string {
	var ids []string
	for _, f := range r.Findings {
		if !slices.Contains(ids, f.RuleID) {
			ids = append(ids, f.RuleID)
		}
	}
	return ids
}

// TestRuleFixtures scans every rule's positive fixture (must produce the
// rule) and negative fixture (must not). Manifests and kubelet configs are
// scanned end to end; *.facts.json documents (probe and live-only rules) go
// straight to the policy engine.
func TestRuleFixtures(t *testing.T) {
	eng := builtinEngine(t)
	dir := filepath.Join(repoRoot(t), "testdata", "rules")
	for _, rule := range eng.Rules() {
		t.Run(rule.ID, func(t *testing.T) {
			for _, polarity := range []string{"positive", "negative"} {
				ids := fixtureRuleIDs(t, eng, filepath.Join(dir, rule.ID), polarity)
				if got, want := slices.Contains(ids, rule.ID), polarity == "positive"; got != want {
					t.Errorf("%s fixture: rule fired = %v, want %v (fired: %v)", polarity, got, want, ids)
				}
			}
		})
	}
}

func fixtureRuleIDs(t *testing.T, eng *engine.Engine, dir, polarity string) []string {
	t.Helper()
	if path := filepath.Join(dir, polarity+".yaml"); exists(path) {
		opts := Options{Paths: []string{path}, Engine: eng}
		if strings.Contains(dir, "KA-CONFIG-") {
			opts = Options{KubeletConfigs: []string{path}, Engine: eng}
		}
		r, err := Scan(context.Background(), opts)
		if err != nil {
			t.Fatalf("scan %s: %v", path, err)
		}
		if len(r.Errors) > 0 {
			t.Fatalf("fixture %s has scan errors: %v", path, r.Errors)
		}
		return ruleIDs(r)
	}
	path := filepath.Join(dir, polarity+".facts.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("rule has no %s fixture (.yaml or .facts.json): %v", polarity, err)
	}
	// Unknown fields fail, so fixtures stay in step with the facts schema.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	doc := facts.New("")
	if err := dec.Decode(doc); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if doc.SchemaVersion != facts.SchemaVersion {
		t.Fatalf("%s: schemaVersion %q, want %q", path, doc.SchemaVersion, facts.SchemaVersion)
	}
	found, err := eng.Evaluate(context.Background(), doc)
	if err != nil {
		t.Fatalf("evaluate %s: %v", path, err)
	}
	return ruleIDs(&finding.Report{Findings: found})
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// find returns the findings of rule for subject (or resource name when subject is "").
func find(r *finding.Report, rule, subject string) []finding.Finding {
	var out []finding.Finding
	for _, f := range r.Findings {
		if f.RuleID == rule && (subject == "" || f.Subject == subject) {
			out = append(out, f)
		}
	}
	return out
}

// TestDemo pins what `make demo` must show: the nodes/proxy critical with
// file:line and the workload that runs as the ServiceAccount.
func TestDemo(t *testing.T) {
	r := scanPaths(t, filepath.Join("..", "testdata", "demo"))
	debug := find(r, "KA-RBAC-002", "ServiceAccount:tools/node-debugger")
	if len(debug) != 1 {
		t.Fatalf("want one KA-RBAC-002 for the debug ServiceAccount, got %d: %v", len(debug), ruleIDs(r))
	}
	f := debug[0]
	if f.Severity != finding.SeverityCritical || !strings.HasSuffix(f.Location.File, "debug-tools.yaml") || f.Location.Line == 0 {
		t.Errorf("debug finding severity/location = %s %s", f.Severity, f.Location)
	}
	if !strings.Contains(f.Message, "Deployment tools/debug-console") {
		t.Errorf("message does not name the workload: %s", f.Message)
	}
	for _, want := range []struct{ rule, subject string }{
		{"KA-RBAC-001", "Group:system:unauthenticated"},
		{"KA-RBAC-004", "ServiceAccount:logging/log-shipper"},
		{"KA-RBAC-005", "ServiceAccount:monitoring/node-agent"},
		{"KA-RBAC-006", "ServiceAccount:monitoring/node-agent"},
		{"KA-RBAC-011", "ServiceAccount:ci/rbac-manager"},
		{"KA-RBAC-009", ""},
		{"KA-RBAC-010", ""},
		{"KA-RBAC-012", ""},
		{"KA-CONFIG-002", ""},
	} {
		if len(find(r, want.rule, want.subject)) == 0 {
			t.Errorf("missing %s for %q", want.rule, want.subject)
		}
	}
	// Look-alike and RoleBinding grants are never access.
	for _, f := range r.Findings {
		if (f.Subject == "User:alice@example.com" || f.Subject == "Group:team-a") && f.RuleID != "KA-RBAC-010" {
			t.Errorf("ineffective grant reported as access: %s %s", f.RuleID, f.Message)
		}
	}
	for _, f := range r.Findings {
		if f.Fingerprint == "" || f.Status != finding.StatusOpen {
			t.Errorf("finding %s lacks fingerprint or status: %+v", f.RuleID, f)
		}
	}
	if len(r.Access) == 0 || len(r.Errors) != 0 {
		t.Errorf("access edges = %d, errors = %v", len(r.Access), r.Errors)
	}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const proxyBinding = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: proxy
rules:
  - apiGroups: [""]
    resources: ["nodes/proxy"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ops-proxy
  annotations:
%s
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: proxy}
subjects:
  - {kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}
`

// TestInputSized: the scan reports the size of its manifests before
// reading them (the CLI sizes the collector by it).
func TestInputSized(t *testing.T) {
	dir := filepath.Join("..", "testdata", "demo")
	var want int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".json")) {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			want += fi.Size()
		}
		return err
	})
	if err != nil || want == 0 {
		t.Fatalf("demo size %d: %v", want, err)
	}
	var got []int64
	opts := Options{Paths: []string{dir}, Engine: builtinEngine(t), InputSized: func(n int64) { got = append(got, n) }}
	if _, err := Scan(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("InputSized calls = %v, want one with %d bytes", got, want)
	}
}

func TestSuppressionAnnotation(t *testing.T) {
	for _, tc := range []struct {
		name, annotations string
		wantStatus        string
		wantReason        string
	}{
		{"with reason", "    kubelet-audit.io/ignore: KA-RBAC-003\n    kubelet-audit.io/ignore-reason: break-glass group, reviewed 2026-10", finding.StatusSuppressed, "break-glass"},
		{"without reason", "    kubelet-audit.io/ignore: KA-RBAC-003", finding.StatusOpen, "needs a kubelet-audit.io/ignore-reason"},
		{"other rule", "    kubelet-audit.io/ignore: KA-RBAC-004\n    kubelet-audit.io/ignore-reason: x", finding.StatusOpen, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "rbac.yaml", strings.Replace(proxyBinding, "%s", tc.annotations, 1))
			r := scanPaths(t, path)
			got := find(r, "KA-RBAC-003", "Group:ops")
			if len(got) != 1 {
				t.Fatalf("want one KA-RBAC-003, got %v", ruleIDs(r))
			}
			if got[0].Status != tc.wantStatus || !strings.Contains(got[0].StatusReason, tc.wantReason) {
				t.Errorf("status = %s (%q), want %s (%q)", got[0].Status, got[0].StatusReason, tc.wantStatus, tc.wantReason)
			}
		})
	}
}

func TestNothingScannable(t *testing.T) {
	dir := t.TempDir()
	broken := writeFile(t, dir, "broken.yaml", "kind: ClusterRole\nrules: [\n")
	r, err := Scan(context.Background(), Options{Paths: []string{broken}, Engine: builtinEngine(t)})
	if err == nil || !strings.Contains(err.Error(), finding.ErrNothingScanned.Error()) {
		t.Fatalf("err = %v, want ErrNothingScanned", err)
	}
	if r == nil || len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Error(), "broken.yaml:") {
		t.Fatalf("want a file:line error in the report, got %v", r.Errors)
	}
	if _, err := Scan(context.Background(), Options{Engine: builtinEngine(t)}); err == nil {
		t.Fatal("a scan without sources must be a usage error")
	}
}

func TestPartialScanKeepsGoodFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a-broken.yaml", "kind: ClusterRole\nrules: [\n")
	writeFile(t, dir, "b-good.yaml", strings.Replace(proxyBinding, "%s", "    x: y", 1))
	r := scanPaths(t, dir)
	if len(find(r, "KA-RBAC-003", "Group:ops")) != 1 {
		t.Errorf("good file not scanned: %v", ruleIDs(r))
	}
	if len(r.Errors) == 0 || !r.Summary.Partial {
		t.Errorf("broken file not reported: %+v", r.Summary)
	}
	if err := finding.Gate(r, finding.SeverityCritical); err == nil || !strings.Contains(err.Error(), "partial") {
		t.Errorf("gate = %v, want partial", err)
	}
}

func TestWhoCan(t *testing.T) {
	doc, errs, err := Collect(context.Background(), Options{Paths: []string{filepath.Join("..", "testdata", "demo")}})
	if err != nil || len(errs) > 0 {
		t.Fatalf("collect: %v %v", err, errs)
	}
	got := map[string]bool{}
	for _, h := range WhoCan(doc, "proxy", "get") {
		got[h.Subject] = true
	}
	for _, want := range []string{"ServiceAccount:tools/node-debugger", "Group:system:unauthenticated"} {
		if !got[want] {
			t.Errorf("who-can get nodes/proxy misses %s (got %v)", want, got)
		}
	}
	for _, not := range []string{"ServiceAccount:monitoring/node-agent", "Group:team-a", "User:alice@example.com"} {
		if got[not] {
			t.Errorf("who-can get nodes/proxy wrongly lists %s", not)
		}
	}
	creators := WhoCan(doc, "proxy", "create")
	if len(creators) == 0 || creators[0].Subject != "ServiceAccount:tools/node-debugger" {
		t.Errorf("who-can create nodes/proxy = %+v", creators)
	}
	if _, err := ParseSubresource("nodes/logs"); err == nil {
		t.Error("nodes/logs must be rejected as a subresource")
	}
}
