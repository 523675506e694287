package load

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadCorpus loads every real-world file (one project file at a time)
// without a panic, and pins the object counts of files with known traps.
func TestLoadCorpus(t *testing.T) {
	type counts struct{ docs, cr, crb, rb, role, sa, workloads, kubelet, ignored, errs int }
	want := map[string]counts{
		// three documents separated by blank-line `---`, built-in role referenced
		"k3s-io-k3s__manifests-rolebindings.yaml": {docs: 3, cr: 1, crb: 2},
		// one v1 List of 31 ClusterRoles, admin/edit/view with aggregationRule and rules: null
		"kubernetes-kubernetes__plugin-pkg-auth-authorizer-rbac-bootstrappolicy-testdata-cluster-roles.yaml": {docs: 1, cr: 31},
		// commented-out ClusterRole/RoleBinding documents are only comments
		"newrelic-nri-kubernetes__deploy-newrelic-infra.yaml": {docs: 6, cr: 1, crb: 1, sa: 1, workloads: 1, ignored: 2},
		// an unrendered Helm template: one error, nothing loaded
		"prometheus-community-helm-charts__charts-prometheus-templates-clusterrole.yaml": {errs: 1},
		// a Jinja-templated KubeletConfiguration
		"kubernetes-sigs-kubespray__roles-kubernetes-node-templates-kubelet-config.v1beta1.yaml.j2": {errs: 1},
		"kelseyhightower-kubernetes-the-hard-way__configs-kubelet-config.yaml":                      {docs: 1, kubelet: 1},
		"open-policy-agent-gatekeeper__deploy-gatekeeper.yaml":                                      {docs: 31, cr: 1, crb: 1, rb: 1, role: 1, sa: 1, workloads: 2, ignored: 24},
	}
	var files []string
	for _, sub := range []string{"rbac", "kubelet"} {
		dir := corpusDir(t, sub)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	seen := 0
	for _, f := range files {
		base := filepath.Base(f)
		t.Run(base, func(t *testing.T) {
			res, _ := Load(context.Background(), []string{f}, Options{})
			for _, e := range res.Errors {
				if e.Source != f || (e.Line == 0 && !strings.Contains(e.Message, "binary")) {
					t.Errorf("error without file:line: %v", e)
				}
			}
			w, ok := want[base]
			if !ok {
				if len(res.Errors) > 0 || res.Documents == 0 {
					t.Errorf("unexpected errors or nothing loaded: %v", errorTexts(res.Errors))
				}
				return
			}
			seen++
			inv := res.Inventory
			got := counts{res.Documents, len(inv.ClusterRoles), len(inv.ClusterRoleBindings), len(inv.RoleBindings), len(inv.Roles),
				len(inv.ServiceAccounts), len(inv.Workloads), len(inv.KubeletConfigs), res.Ignored, len(res.Errors)}
			if got != w {
				t.Errorf("counts = %+v, want %+v; errors: %v", got, w, errorTexts(res.Errors))
			}
		})
	}
	if seen != len(want) {
		t.Errorf("checked %d of the %d pinned corpus files; was one renamed?", seen, len(want))
	}
}

// TestLoadCorpusTemplateMessages pins the template errors' file:line.
func TestLoadCorpusTemplateMessages(t *testing.T) {
	for _, tc := range []struct{ sub, file, want string }{
		{"rbac", "prometheus-community-helm-charts__charts-prometheus-templates-clusterrole.yaml", ":1: looks like an unrendered Helm/Jinja template; render it first (helm template …)"},
		{"kubelet", "kubernetes-sigs-kubespray__roles-kubernetes-node-templates-kubelet-config.v1beta1.yaml.j2", ":3: looks like an unrendered Helm/Jinja template"},
	} {
		p := filepath.Join(corpusDir(t, tc.sub), tc.file)
		res, err := Load(context.Background(), []string{p}, Options{})
		if err == nil {
			t.Errorf("%s: want ErrNothingLoaded", tc.file)
		}
		assertErrors(t, res.Errors, []string{p + tc.want})
	}
}

// TestLoadCorpusAggregation checks the bootstrap List's aggregated roles.
func TestLoadCorpusAggregation(t *testing.T) {
	p := filepath.Join(corpusDir(t, "rbac"), "kubernetes-kubernetes__plugin-pkg-auth-authorizer-rbac-bootstrappolicy-testdata-cluster-roles.yaml")
	res, err := Load(context.Background(), []string{p}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for i, r := range res.Inventory.ClusterRoles {
		byName[r.Name] = i
	}
	admin := res.Inventory.ClusterRoles[byName["admin"]]
	if admin.AggregationRule == nil || len(admin.Rules) != 0 || admin.Source.Line != 3 {
		t.Errorf("admin = aggregation %v, %d rules, line %d; want aggregated, no rules, line 3", admin.AggregationRule, len(admin.Rules), admin.Source.Line)
	}
	ca := res.Inventory.ClusterRoles[byName["cluster-admin"]]
	if ca.Source.Line != 17 || len(ca.RuleLines) != 2 || ca.RuleLines[0] != 27 || ca.RuleLines[1] != 33 {
		t.Errorf("cluster-admin line %d, rule lines %v; want 17, [27 33]", ca.Source.Line, ca.RuleLines)
	}
}
