package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/reports/sariftest"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet/kubelettest"
)

// run executes the CLI in-process and returns exit code, stdout, stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), append([]string{"kubelet-audit"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

const demo = "../../../../testdata/demo"

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const metricsOnly = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: metrics}
rules:
  - apiGroups: [""]
    resources: ["nodes/metrics"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: metrics}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics}
subjects:
  - {kind: ServiceAccount, name: prom, namespace: monitoring}
`

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	low := writeFile(t, dir, "low.yaml", metricsOnly)
	lowDefault := writeFile(t, dir, "low-default.yaml", strings.Replace(metricsOnly, "namespace: monitoring", "namespace: default", 1))
	broken := writeFile(t, dir, "broken.yaml", "kind: Role\nrules: [\n")
	mixed := t.TempDir()
	writeFile(t, mixed, "a.yaml", metricsOnly)
	writeFile(t, mixed, "b.yaml", "{{ .Values.rbac }}\n")
	for _, tc := range []struct {
		name string
		args []string
		want int
		out  string // substring of stdout or stderr
	}{
		{"version", []string{"version"}, ExitOK, "kubelet-audit"},
		{"rules", []string{"rules"}, ExitOK, "KA-RBAC-001"},
		{"demo fails at high", []string{"scan", demo}, ExitFindings, "KA-RBAC-002"},
		{"demo with fail-on none", []string{"scan", demo, "--fail-on", "none"}, ExitOK, "KA-RBAC-001"},
		{"low finding below threshold", []string{"scan", low}, ExitOK, "KA-RBAC-006"},
		{"low finding at threshold", []string{"scan", low, "--fail-on", "low"}, ExitFindings, "KA-RBAC-006"},
		{"disabled rule", []string{"scan", low, "--fail-on", "low", "--disable", "KA-RBAC-006"}, ExitOK, ""},
		{"unknown rule to disable", []string{"scan", low, "--disable", "KA-NOPE-001"}, ExitError, "KA-NOPE-001"},
		{"nothing scannable", []string{"scan", broken}, ExitError, "broken.yaml:2"},
		{"missing path", []string{"scan", filepath.Join(dir, "nope.yaml")}, ExitError, "nope.yaml"},
		{"partial scan", []string{"scan", mixed}, ExitPartial, "b.yaml:1"},
		{"bad format", []string{"scan", low, "--format", "xml"}, ExitError, "xml"},
		{"bad fail-on", []string{"scan", low, "--fail-on", "severe"}, ExitError, "severe"},
		{"no sources", []string{"scan"}, ExitError, "nothing to scan"},
		{"cluster-only flag", []string{"scan", low, "--verify"}, ExitError, "--verify needs --cluster"},
		{"unknown flag", []string{"scan", "--bogus"}, ExitError, "bogus"},
		{"two formats to stdout", []string{"scan", low, "-f", "json", "-f", "table"}, ExitError, "stdout"},
		{"two formats to one file", []string{"scan", low, "-f", "json", "-o", filepath.Join(dir, "r.out"), "-f", "sarif", "-o", filepath.Join(dir, ".", "r.out")}, ExitError, "given twice"},
		{"kubelet config audit", []string{"scan", "--kubelet-config", "../../../../testdata/kubelet/insecure-legacy.yaml"}, ExitFindings, "KA-CONFIG-002"},
		{"hardened kubelet config", []string{"scan", "--kubelet-config", "../../../../testdata/kubelet/hardened.yaml", "--fail-on", "low"}, ExitOK, ""},
		{"who-can", []string{"who-can", "nodes/proxy", demo}, ExitOK, "ServiceAccount:tools/node-debugger"},
		{"who-can create", []string{"who-can", "nodes/proxy", "--verb", "create", demo, "-f", "json"}, ExitOK, "node-debugger"},
		{"who-can typo", []string{"who-can", "nodes/logs", demo}, ExitError, "not a node subresource"},
		{"test-policies", []string{"test-policies", "../../../../testdata/policies/example"}, ExitOK, "passed, 0 failed"},
		{"custom policy", []string{"scan", lowDefault, "--policy", "../../../../testdata/policies/example", "--fail-on", "medium"}, ExitFindings, "CUSTOM-001"},
		{"custom rules listed", []string{"rules", "--policy", "../../../../testdata/policies/example"}, ExitOK, "CUSTOM-001"},
		{"broken policy", []string{"scan", low, "--policy", "../../../../testdata/policies/broken"}, ExitError, "broken.rego:12:20"},
		{"probe needs a target", []string{"probe"}, ExitError, "arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != tc.want {
				t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.want, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tc.out) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tc.out, stdout, stderr)
			}
		})
	}
}

func readReport(t *testing.T, path string) *finding.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r finding.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report %s is not valid JSON: %v", path, err)
	}
	return &r
}

// TestSeveralFormats writes SARIF, JSON and markdown in one run; the SARIF
// must validate against the official 2.1.0 schema.
func TestSeveralFormats(t *testing.T) {
	dir := t.TempDir()
	sarif, js, md := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	code, stdout, stderr := run(t, "scan", demo, "-f", "sarif", "-o", sarif, "-f", "json", "-o", js, "-f", "markdown", "-o", md, "-f", "table")
	if code != ExitFindings {
		t.Fatalf("exit = %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "CRITICAL") {
		t.Errorf("table on stdout missing: %s", stdout)
	}
	data, err := os.ReadFile(sarif)
	if err != nil {
		t.Fatal(err)
	}
	if err := sariftest.Validate(data); err != nil {
		t.Errorf("SARIF invalid: %v", err)
	}
	r := readReport(t, js)
	if r.SchemaVersion != finding.SchemaVersion || r.Tool.Name != "kubelet-audit" || len(r.Findings) == 0 || len(r.Rules) == 0 {
		t.Errorf("JSON report incomplete: %+v", r.Summary)
	}
	if b, _ := os.ReadFile(md); !bytes.Contains(b, []byte("KA-RBAC-002")) {
		t.Errorf("markdown report lacks findings")
	}
}

const proxyGroup = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: %s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-proxy}
subjects:
  - {kind: Group, name: %s, apiGroup: rbac.authorization.k8s.io}
`

const proxyRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-proxy}
rules:
  - apiGroups: [""]
    resources: ["nodes/proxy"]
    verbs: ["get"]
`

func binding(name string) string {
	return strings.NewReplacer("%s", name).Replace(proxyGroup)
}

// TestBaselineRoundTrip: scan -> baseline -> add one bad binding -> only the
// new finding fails; removing a baselined finding reports it as stale.
func TestBaselineRoundTrip(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	writeFile(t, src, "role.yaml", proxyRole)
	writeFile(t, src, "a.yaml", binding("ops"))
	base := filepath.Join(out, "baseline.json")
	if code, _, stderr := run(t, "baseline", src, "-o", base); code != ExitOK {
		t.Fatalf("baseline exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, "scan", src, "--baseline", base); code != ExitOK {
		t.Fatalf("unchanged scan with baseline exit %d: %s", code, stderr)
	}
	writeFile(t, src, "b.yaml", binding("contractors"))
	js := filepath.Join(out, "r.json")
	code, _, stderr := run(t, "scan", src, "--baseline", base, "-f", "json", "-o", js)
	if code != ExitFindings {
		t.Fatalf("new binding: exit %d, want 1: %s", code, stderr)
	}
	r := readReport(t, js)
	var open []finding.Finding
	for _, f := range r.Findings {
		if f.Status == finding.StatusOpen {
			open = append(open, f)
		}
	}
	if len(open) != 1 || open[0].Subject != "Group:contractors" {
		t.Fatalf("want exactly the new finding open, got %+v", open)
	}
	if err := os.Remove(filepath.Join(src, "a.yaml")); err != nil {
		t.Fatal(err)
	}
	run(t, "scan", src, "--baseline", base, "-f", "json", "-o", js)
	if r := readReport(t, js); len(r.Summary.Stale) != 1 || !strings.Contains(r.Summary.Stale[0], "Group:ops") {
		t.Fatalf("stale = %v, want the removed ops finding", r.Summary.Stale)
	}
}

// TestProbe drives the probe command against fake kubelets on 127.0.0.1.
func TestProbe(t *testing.T) {
	open := kubelettest.New(t, kubelettest.Config{Anonymous: true, Mode: "AlwaysAllow", Debug: true, ReadOnly: true, Pods: 3})
	locked := kubelettest.New(t, kubelettest.Config{RequestClientCert: true})
	anonDenied := kubelettest.New(t, kubelettest.Config{Anonymous: true, FineGrained: true, RequestClientCert: true})
	for _, tc := range []struct {
		name    string
		args    []string
		want    int
		has     []string
		hasNone []string
	}{
		{"anonymous AlwaysAllow", []string{open.Addr(), "--read-only-port", strconv.Itoa(open.ReadOnlyPort())}, ExitFindings,
			[]string{"KA-KUBELET-001", "KA-KUBELET-004", "KA-KUBELET-005"}, nil},
		{"locked down", []string{locked.Addr(), "--read-only-port", "0"}, ExitOK, nil,
			[]string{"KA-KUBELET-001", "KA-KUBELET-002", "KA-KUBELET-003", "KA-KUBELET-004"}},
		{"anonymous on, Webhook denies", []string{anonDenied.Addr(), "--read-only-port", "0"}, ExitFindings,
			[]string{"KA-KUBELET-003", "system:anonymous"}, []string{"KA-KUBELET-001", "KA-KUBELET-002"}},
		{"unreachable only", []string{"127.0.0.1:1", "--read-only-port", "0", "--connect-timeout", "500ms"}, ExitError, []string{"could not check"}, nil},
		{"one unreachable", []string{locked.Addr(), "127.0.0.1:1", "--read-only-port", "0", "--connect-timeout", "500ms"}, ExitPartial, []string{"could not check"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr := run(t, append([]string{"probe", "-f", "json", "-o", js}, tc.args...)...)
			if code != tc.want {
				t.Fatalf("exit = %d, want %d: %s", code, tc.want, stderr)
			}
			data, _ := os.ReadFile(js)
			for _, s := range tc.has {
				if !bytes.Contains(data, []byte(s)) {
					t.Errorf("report lacks %s", s)
				}
			}
			for _, s := range tc.hasNone {
				if bytes.Contains(data, []byte(`"ruleId": "`+s+`"`)) {
					t.Errorf("report has %s", s)
				}
			}
		})
	}
	for _, req := range locked.Requests() {
		if req.Authorization != "" || req.ClientCert {
			t.Errorf("anonymous probe sent credentials: %+v", req)
		}
	}
}

// TestGeneratedDocs keeps docs/rules.md and docs/endpoints.md in sync with
// the code. Regenerate with `make generate` (UPDATE_DOCS=1 go test ...).
func TestGeneratedDocs(t *testing.T) {
	for _, tc := range []struct{ file string }{
		{"rules.md"},
		{"endpoints.md"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			args := []string{"rules", "--format", "markdown"}
			if tc.file == "endpoints.md" {
				args = []string{"endpoints", "--format", "markdown"}
			}
			code, got, stderr := run(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			path := filepath.Join("..", "..", "..", "..", "docs", tc.file)
			if os.Getenv("UPDATE_DOCS") != "" {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run `make generate`)", err)
			}
			if string(want) != got {
				t.Errorf("docs/%s is stale: run `make generate`", tc.file)
			}
		})
	}
}

// TestReadmeListsEveryRule keeps the README's rule table complete.
func TestReadmeListsEveryRule(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, "rules", "--format", "json")
	if code != ExitOK {
		t.Fatalf("rules: %d %s", code, stderr)
	}
	var rules []finding.Rule
	if err := json.Unmarshal([]byte(out), &rules); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "testdata", "policies", "example", "metrics_outside_monitoring.rego"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, bytes.TrimSpace(example)) {
		t.Error("README custom-policy example differs from testdata/policies/example")
	}
	for _, r := range rules {
		if !bytes.Contains(readme, []byte("| "+r.ID+" | "+r.Severity.String()+" |")) {
			t.Errorf("README rule table lacks %s (%s)", r.ID, r.Severity)
		}
	}
}

// TestBaselineErrors: a missing or foreign baseline is a usage error before any scanning.
func TestBaselineErrors(t *testing.T) {
	dir := t.TempDir()
	other := writeFile(t, dir, "other.json", `{"schemaVersion": "something/else", "findings": []}`)
	for _, path := range []string{filepath.Join(dir, "missing.json"), other} {
		code, _, stderr := run(t, "scan", demo, "--baseline", path)
		if code != ExitError || !strings.Contains(stderr, filepath.Base(path)) {
			t.Errorf("--baseline %s: exit %d, stderr %q; want 2 naming the file", path, code, stderr)
		}
	}
}
