package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// wantRBACFindings are RBAC findings the seeded cluster must produce, as
// "RULE severity subject|resource" (severities per design.md's guide).
// Policies may add findings (e.g. about bootstrap identities) or fold
// duplicates; these must be there.
var wantRBACFindings = []string{
	"KA-RBAC-001 critical Group:system:unauthenticated|ClusterRoleBinding/legacy-anonymous-proxy",
	"KA-RBAC-002 critical ServiceAccount:tools/node-debugger|ClusterRoleBinding/node-debugger",
	"KA-RBAC-003 high Group:sre|ClusterRoleBinding/node-debugger",
	"KA-RBAC-004 high ServiceAccount:logging/log-shipper|ClusterRoleBinding/log-shipper",
	"KA-RBAC-005 medium ServiceAccount:dashboard/dashboard|ClusterRoleBinding/dashboard-view",
	"KA-RBAC-005 medium ServiceAccount:monitoring/monitoring-agent|ClusterRoleBinding/monitoring-agent",
	"KA-RBAC-006 low ServiceAccount:monitoring/monitoring-agent|ClusterRoleBinding/monitoring-agent",
	"KA-RBAC-007 high |ClusterRole/legacy-node-proxy",
	"KA-RBAC-007 high |ClusterRole/node-debugger",
	"KA-RBAC-009 high |ClusterRole/node-stats-view",
	"KA-RBAC-010 low |RoleBinding/tools/junior-debug",
}

// wantAccess are the access edges of seeded and bootstrap non-system
// subjects: subject subresource verbs nodes binding role workloads.
var wantAccess = []string{
	"Group:sre proxy create,get  ClusterRoleBinding/node-debugger ClusterRole/node-debugger ",
	"Group:system:monitoring metrics get  ClusterRoleBinding/system:monitoring ClusterRole/system:monitoring ",
	"Group:system:unauthenticated proxy get node-legacy ClusterRoleBinding/legacy-anonymous-proxy ClusterRole/legacy-node-proxy ",
	"ServiceAccount:dashboard/dashboard stats get  ClusterRoleBinding/dashboard-view ClusterRole/view Deployment/dashboard/dashboard",
	"ServiceAccount:logging/log-shipper log get  ClusterRoleBinding/log-shipper ClusterRole/log-reader DaemonSet/logging/log-shipper",
	"ServiceAccount:monitoring/monitoring-agent metrics get  ClusterRoleBinding/monitoring-agent ClusterRole/monitoring-agent DaemonSet/monitoring/monitoring-agent",
	"ServiceAccount:monitoring/monitoring-agent stats get  ClusterRoleBinding/monitoring-agent ClusterRole/monitoring-agent DaemonSet/monitoring/monitoring-agent",
	"ServiceAccount:tools/node-debugger proxy create,get  ClusterRoleBinding/node-debugger ClusterRole/node-debugger Deployment/tools/node-debugger",
}

// checkRBACFindings: every wanted finding is there, and no finding says a
// seeded no-access subject reaches the kubelet.
func checkRBACFindings(t *testing.T, r finding.Report) {
	t.Helper()
	got := map[string]bool{}
	for _, k := range findingKeys(r.Findings, nil) {
		got[k] = true
	}
	for _, w := range wantRBACFindings {
		if !got[w] {
			t.Errorf("missing finding %q", w)
		}
	}
	for _, f := range r.Findings {
		for _, id := range seededNoAccess {
			if f.Subject == id {
				t.Errorf("finding %s about %s, which reaches nothing: %s", f.RuleID, id, f.Message)
			}
		}
	}
	if t.Failed() {
		t.Logf("findings: %q", findingKeys(r.Findings, nil))
	}
}

// nonSystemAccess drops edges of system identities (system:masters,
// controllers), which the bootstrap policy defines.
func nonSystemAccess(r finding.Report) []string {
	var out []string
	for _, k := range accessKeys(r.Access) {
		if !strings.HasPrefix(k, "Group:system:masters ") && !strings.HasPrefix(k, "ServiceAccount:kube-system/") {
			out = append(out, k)
		}
	}
	return out
}

// TestCLIClusterScan: `scan --cluster` as the least-privilege scanner
// identity from deploy/ finds exactly the seeded grants and findings, and
// with --verify the API server agrees (no KA-CLUSTER-001).
func TestCLIClusterScan(t *testing.T) {
	t.Parallel()
	r := scanJSON(t, 1, "scan", "--cluster", "--kubeconfig", scannerKubeconfig, "--probe=false", "--verify")
	if r.Mode == "" || len(r.Errors) != 0 || r.Summary.Partial {
		t.Errorf("mode %q, errors %v, partial %v", r.Mode, r.Errors, r.Summary.Partial)
	}
	checkRBACFindings(t, r)
	sameStrings(t, "access edges", nonSystemAccess(r), wantAccess)
	for _, f := range r.Findings {
		if f.RuleID == "KA-CLUSTER-001" {
			t.Errorf("SubjectAccessReview disagrees with the resolver: %s", f.Message)
		}
		if strings.HasPrefix(f.RuleID, "KA-RBAC-") && f.Location.URI == "" {
			t.Errorf("%s %s: live finding without a k8s:// location: %+v", f.RuleID, f.Subject, f.Location)
		}
	}
}

// TestCLIPartialScan: an identity that cannot list Roles gets the
// documented partial result — the scan goes on, says what it could not
// check and with which permission, and exits 3 when nothing fails.
func TestCLIPartialScan(t *testing.T) {
	t.Parallel()
	r := scanJSON(t, 3, "scan", "--cluster", "--kubeconfig", limitedKubeconfig, "--probe=false", "--fail-on", "none")
	if !r.Summary.Partial || len(r.Errors) == 0 {
		t.Fatalf("summary %+v errors %v: want a partial result", r.Summary, r.Errors)
	}
	found := false
	for _, e := range r.Errors {
		if strings.Contains(e.Message, "roles.rbac.authorization.k8s.io") && strings.Contains(strings.ToLower(e.Message), "forbidden") {
			found = true
		} else {
			t.Errorf("unexpected scan error: %+v", e)
		}
	}
	if !found {
		t.Errorf("no error names the missing list roles permission: %v", r.Errors)
	}
	// ClusterRoleBindings were readable: their grants are still reported.
	sameStrings(t, "access edges", nonSystemAccess(r), wantAccess)
	// Default --fail-on high: the critical findings decide the exit code.
	scanJSON(t, 1, "scan", "--cluster", "--kubeconfig", limitedKubeconfig, "--probe=false")
}

// TestCLIWhoCan answers "who can get nodes/proxy" from the live cluster.
func TestCLIWhoCan(t *testing.T) {
	t.Parallel()
	res := runCLI(t, "who-can", "nodes/proxy", "--cluster", "--kubeconfig", scannerKubeconfig, "--format", "json")
	if res.code != 0 {
		t.Fatalf("who-can: exit %d\n%s", res.code, res.stderr)
	}
	var holders []struct {
		Subject string   `json:"subject"`
		Nodes   []string `json:"nodes"`
		System  bool     `json:"system"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &holders); err != nil {
		t.Fatalf("decode: %v\n%s", err, res.stdout)
	}
	var got []string
	for _, h := range holders {
		if !h.System {
			got = append(got, h.Subject+" "+strings.Join(h.Nodes, ","))
		}
	}
	sameStrings(t, "non-system holders of get nodes/proxy", got, []string{
		"Group:sre ", "Group:system:unauthenticated node-legacy", "ServiceAccount:tools/node-debugger ",
	})
}

// TestOfflineScanMatchesLive exports the seeded objects as YAML (kubectl
// get -o yaml style v1 Lists) and scans them offline: same findings, same
// access edges as the live scan, modulo locations.
func TestOfflineScanMatchesLive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := exportCluster(t, dir); err != nil {
		t.Fatal(err)
	}
	live := scanJSON(t, 1, "scan", "--cluster", "--kubeconfig", adminKubeconfig, "--probe=false", "--auth-probe=false")
	offline := scanJSON(t, 1, "scan", dir)
	if len(offline.Errors) != 0 {
		t.Errorf("offline scan errors: %v", offline.Errors)
	}
	sameStrings(t, "offline vs live findings", findingKeys(offline.Findings, nil), findingKeys(live.Findings, nil))
	sameStrings(t, "offline vs live access", accessKeys(offline.Access), accessKeys(live.Access))
	for _, f := range offline.Findings {
		if !strings.HasPrefix(f.Location.File, dir) || f.Location.Line == 0 {
			t.Errorf("offline finding %s without file:line in %s: %+v", f.RuleID, dir, f.Location)
		}
	}
}
