package rbac

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// TestHolderTargetsShareList gives two ServiceAccounts with node access
// pod creation in every namespace through two rules each, beside a user
// without node access and one with it. Every subject's escalations and
// paths carry the one shared target list (the same array); the two
// ServiceAccounts, which are in it, are flagged and their details neither
// name nor count themselves; the users, not in it, are not flagged.
func TestHolderTargetsShareList(t *testing.T) {
	inv := &inventory.Inventory{
		ClusterRoles: []inventory.ClusterRole{
			newClusterRole("np", newRule("get", "", "nodes/proxy")),
			newClusterRole("pods", newRule("create", "", "pods"), newRule("create", "apps", "deployments")),
		},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{
			newCRB("np", "np", "ServiceAccount:a/one", "ServiceAccount:b/two", "ServiceAccount:c/three", "User:ops"),
			newCRB("pods", "pods", "ServiceAccount:a/one", "ServiceAccount:b/two", "User:dev", "User:ops"),
		},
	}
	res := resolve(t, inv, Options{NoBuiltins: true})
	all := []string{"ServiceAccount:a/one", "ServiceAccount:b/two", "ServiceAccount:c/three"}
	shared := findSubject(res, "User:dev").Escalations[0].Targets
	tests := []struct {
		id       string
		holderIn bool
		text     string // the targets the details name
	}{
		{"ServiceAccount:a/one", true, "(ServiceAccount:b/two, ServiceAccount:c/three)"},
		{"ServiceAccount:b/two", true, "(ServiceAccount:a/one, ServiceAccount:c/three)"},
		{"User:dev", false, "(ServiceAccount:a/one, ServiceAccount:b/two, ServiceAccount:c/three)"},
		{"User:ops", false, "(ServiceAccount:a/one, ServiceAccount:b/two, ServiceAccount:c/three)"},
	}
	for _, tt := range tests {
		s := findSubject(res, tt.id)
		es := s.Escalations
		if len(es) != 2 || len(s.EscalationPaths) != 2 {
			t.Fatalf("%s: escalations = %+v, paths = %+v, want two each", tt.id, es, s.EscalationPaths)
		}
		for _, e := range es {
			if !slices.Equal(e.Targets, all) || &e.Targets[0] != &shared[0] || e.HolderInTargets != tt.holderIn {
				t.Errorf("%s: %s targets = %v (shared %v), holderInTargets = %v; want the shared %v, %v",
					tt.id, e.Resource, e.Targets, &e.Targets[0] == &shared[0], e.HolderInTargets, all, tt.holderIn)
			}
			if !strings.Contains(e.Detail, tt.text) {
				t.Errorf("%s: detail %q does not name %s", tt.id, e.Detail, tt.text)
			}
		}
		for _, p := range s.EscalationPaths {
			if &p.Targets[0] != &shared[0] || p.HolderInTargets != tt.holderIn {
				t.Errorf("%s: path targets = %v (shared %v), holderInTargets = %v; want the shared list, %v",
					tt.id, p.Targets, &p.Targets[0] == &shared[0], p.HolderInTargets, tt.holderIn)
			}
		}
	}
}

// TestHolderAloneInListHasNoEscalation: an escalation whose list holds
// only its holder reaches no one and is dropped; with a second target it
// stays, flagged, and its detail names only that target.
func TestHolderAloneInListHasNoEscalation(t *testing.T) {
	for _, others := range [][]string{nil, {"ServiceAccount:mon/other"}} {
		inv := &inventory.Inventory{
			ClusterRoles: []inventory.ClusterRole{
				newClusterRole("np", newRule("get", "", "nodes/proxy")),
				newClusterRole("pods", newRule("create", "", "pods")),
			},
			ClusterRoleBindings: []inventory.ClusterRoleBinding{
				newCRB("np", "np", append([]string{"ServiceAccount:mon/agent"}, others...)...),
				newCRB("pods", "pods", "ServiceAccount:mon/agent"),
			},
		}
		res := resolve(t, inv, Options{NoBuiltins: true})
		es := findSubject(res, "ServiceAccount:mon/agent").Escalations
		switch {
		case len(others) == 0 && len(es) != 0:
			t.Errorf("holder alone in the list: escalations = %+v, want none", es)
		case len(others) > 0 && (len(es) != 1 || !es[0].HolderInTargets || len(es[0].Targets) != 2 ||
			!strings.Contains(es[0].Detail, "(ServiceAccount:mon/other)")):
			t.Errorf("holder and another: escalations = %+v, want one, flagged, naming the other only", es)
		}
	}
}

// TestSubjectsShareBindingGrants checks the lists subjects of one binding
// share: a subject that a second binding adds to gets its own list, and
// the sharers' lists stay as they were.
func TestSubjectsShareBindingGrants(t *testing.T) {
	inv := &inventory.Inventory{
		ClusterRoles: []inventory.ClusterRole{
			newClusterRole("proxy", newRule("get", "", "nodes/proxy")),
			newClusterRole("logs", newRule("get", "", "nodes/log,nodes/logs")),
		},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{
			newCRB("proxy", "proxy", "User:a", "User:b"),
			newCRB("logs", "logs", "User:b"),
		},
	}
	res := resolve(t, inv, Options{NoBuiltins: true})
	a, b := findSubject(res, "User:a"), findSubject(res, "User:b")
	if got := access(a.Grants); !eq(got, []string{"proxy:get"}) || len(a.Ineffective) != 0 {
		t.Errorf("User:a grants = %v, ineffective = %v; want proxy:get only", got, a.Ineffective)
	}
	if got := access(b.Grants); !eq(got, []string{"log:get", "proxy:get"}) || len(b.Ineffective) != 1 {
		t.Errorf("User:b grants = %v, ineffective = %v; want log and proxy, and nodes/logs", got, b.Ineffective)
	}
}
