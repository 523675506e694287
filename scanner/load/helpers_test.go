package load

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// repoRoot is the module root, found from this file's location.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// testdata returns a path under testdata/load relative to the package dir,
// so Sources stay relative as given.
func testdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata", "load"}, parts...)...)
}

// corpusDir is /work/shared/corpus/rbac seen from the repo root.
func corpusDir(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "..", "shared", "corpus", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real-world corpus not available at %s: %v", dir, err)
	}
	return dir
}

// describe renders every inventory object as "Kind ns/name @file:line" (plus
// rule lines, ServiceAccount and automount where relevant), for exact
// comparison in tables.
func describe(inv *inventory.Inventory) []string {
	var out []string
	for _, r := range inv.ClusterRoles {
		out = append(out, fmt.Sprintf("ClusterRole %s @%s rules=%v", r.Name, r.Source, r.RuleLines))
	}
	for _, r := range inv.Roles {
		out = append(out, fmt.Sprintf("Role %s/%s @%s rules=%v", r.Namespace, r.Name, r.Source, r.RuleLines))
	}
	for _, b := range inv.ClusterRoleBindings {
		out = append(out, fmt.Sprintf("ClusterRoleBinding %s @%s", b.Name, b.Source))
	}
	for _, b := range inv.RoleBindings {
		out = append(out, fmt.Sprintf("RoleBinding %s/%s @%s", b.Namespace, b.Name, b.Source))
	}
	for _, w := range inv.Workloads {
		out = append(out, fmt.Sprintf("%s %s/%s @%s sa=%s automount=%v", w.Kind, w.Namespace, w.Name, w.Source, w.ServiceAccount, w.AutomountToken))
	}
	for _, s := range inv.ServiceAccounts {
		am := "unset"
		if s.AutomountToken != nil {
			am = fmt.Sprint(*s.AutomountToken)
		}
		out = append(out, fmt.Sprintf("ServiceAccount %s/%s @%s automount=%s", s.Namespace, s.Name, s.Source, am))
	}
	for _, k := range inv.KubeletConfigs {
		out = append(out, fmt.Sprintf("%s %s @%s", k.Kind, k.APIVersion, k.Source))
	}
	return out
}

// errorTexts renders scan errors as "source:line: message".
func errorTexts(errs []finding.ScanError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

func diffLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// assertErrors asserts one error per want entry, each containing it, in order.
func assertErrors(t *testing.T, errs []finding.ScanError, want []string) {
	t.Helper()
	got := errorTexts(errs)
	if len(got) != len(want) {
		t.Errorf("got %d errors, want %d:\n  %s", len(got), len(want), strings.Join(got, "\n  "))
		return
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("error %d = %q, want it to contain %q", i, got[i], want[i])
		}
	}
	for _, e := range errs {
		if e.Stage != Stage {
			t.Errorf("error %q has stage %q, want %q", e.Error(), e.Stage, Stage)
		}
	}
}
