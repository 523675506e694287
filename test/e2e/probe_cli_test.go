package e2e

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

// kubeletRules are the probe rules whose presence depends only on how a
// kubelet is configured (KA-KUBELET-006, TLS strength, is left out: it
// judges Go's cipher defaults rather than the configuration).
var kubeletRules = []string{"KA-KUBELET-001", "KA-KUBELET-002", "KA-KUBELET-003", "KA-KUBELET-004", "KA-KUBELET-005", "KA-KUBELET-007", "KA-KUBELET-008"}

// wantProbeRules: the kubelet rules `probe` must raise per kubelet, and no others.
var wantProbeRules = map[string][]string{
	testbed.NodeOpen:     {"KA-KUBELET-001", "KA-KUBELET-002", "KA-KUBELET-003", "KA-KUBELET-005"},
	testbed.NodeAnon:     {"KA-KUBELET-003"},
	testbed.NodeLocked:   nil,
	testbed.NodeAllowAll: {"KA-KUBELET-008"},
	testbed.NodeReadOnly: {"KA-KUBELET-004"},
	testbed.NodeLegacy:   {"KA-KUBELET-001", "KA-KUBELET-002", "KA-KUBELET-003"},
}

func kubeletRuleIDs(r finding.Report) []string {
	var out []string
	for _, f := range r.Findings {
		if slices.Contains(kubeletRules, f.RuleID) && !slices.Contains(out, f.RuleID) {
			out = append(out, f.RuleID)
		}
	}
	sort.Strings(out)
	return out
}

// TestCLIProbeEachKubelet runs `kubelet-audit probe HOST:PORT` (anonymous)
// against every kubelet configuration.
func TestCLIProbeEachKubelet(t *testing.T) {
	t.Parallel()
	for _, k := range env.Kubelets {
		t.Run(k.Options.Name, func(t *testing.T) {
			t.Parallel()
			want := wantProbeRules[k.Options.Name]
			code := 0
			for _, f := range want {
				if f != "KA-KUBELET-008" && f != "KA-KUBELET-005" {
					code = 1 // high or critical
				}
			}
			ro := "0"
			if k.ReadOnlyPort != 0 {
				ro = strconv.Itoa(k.ReadOnlyPort)
			}
			r := scanJSON(t, code, "probe", k.Addr, "--read-only-port", ro, "--ca-file", env.CAFile)
			sameStrings(t, k.Options.Name+" kubelet rules", kubeletRuleIDs(r), want)
			for _, f := range r.Findings {
				if f.Location.URI == "" || !strings.Contains(f.Location.URI, k.Addr) {
					t.Errorf("%s: location %+v does not name %s", f.RuleID, f.Location, k.Addr)
				}
			}
		})
	}
}

// TestCLIClusterProbe: `scan --cluster` probes every node it discovers from
// the Node objects and, as the least-privilege scanner identity, re-probes
// with its own token: AlwaysAllow is caught (KA-KUBELET-007) also behind
// anonymous off, and anonymous off + Webhook stays clean.
func TestCLIClusterProbe(t *testing.T) {
	t.Parallel()
	r := scanJSON(t, 1, "scan", "--cluster", "--kubeconfig", scannerKubeconfig)
	byNode := map[string][]string{}
	for _, f := range r.Findings {
		if f.Resource.Kind == "Node" && slices.Contains(kubeletRules, f.RuleID) && !slices.Contains(byNode[f.Resource.Name], f.RuleID) {
			byNode[f.Resource.Name] = append(byNode[f.Resource.Name], f.RuleID)
		}
	}
	for _, k := range env.Kubelets {
		want := slices.Clone(wantProbeRules[k.Options.Name])
		// Cluster mode checks the read-only port at 10255, not where the
		// test bed serves it.
		want = slices.DeleteFunc(want, func(s string) bool { return s == "KA-KUBELET-004" })
		if k.Options.AlwaysAllow {
			want = append(want, "KA-KUBELET-007") // the scanner's token, which holds no node RBAC, got in
		}
		got := byNode[k.Options.Name]
		sort.Strings(got)
		sort.Strings(want)
		sameStrings(t, k.Options.Name+" kubelet rules (cluster mode)", got, want)
	}
	if calls := env.RuntimeCalls(); len(calls) > 0 {
		t.Errorf("runtime reached: %v", calls)
	}
}
