package rbac

import (
	"slices"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// TestHolderTargetsWithoutItself gives two ServiceAccounts with node
// access pod creation in every namespace through two rules each: each one's
// target lists leave it out (and only it), the two rules' lists of one
// subject are one copy, and a subject without node access keeps the full
// shared list.
func TestHolderTargetsWithoutItself(t *testing.T) {
	inv := &inventory.Inventory{
		ClusterRoles: []inventory.ClusterRole{
			newClusterRole("np", newRule("get", "", "nodes/proxy")),
			newClusterRole("pods", newRule("create", "", "pods"), newRule("create", "apps", "deployments")),
		},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{
			newCRB("np", "np", "ServiceAccount:a/one", "ServiceAccount:b/two", "ServiceAccount:c/three"),
			newCRB("pods", "pods", "ServiceAccount:a/one", "ServiceAccount:b/two", "User:dev"),
		},
	}
	res := resolve(t, inv, Options{NoBuiltins: true})
	all := []string{"ServiceAccount:a/one", "ServiceAccount:b/two", "ServiceAccount:c/three"}
	for _, id := range append(all[:2:2], "User:dev") {
		es := findSubject(res, id).Escalations
		if len(es) != 2 {
			t.Fatalf("%s: escalations = %+v, want two", id, es)
		}
		want := slices.DeleteFunc(slices.Clone(all), func(x string) bool { return x == id })
		for _, e := range es {
			if !slices.Equal(e.Targets, want) {
				t.Errorf("%s: %s targets = %v, want %v", id, e.Resource, e.Targets, want)
			}
		}
		if &es[0].Targets[0] != &es[1].Targets[0] {
			t.Errorf("%s: the two rules' target lists are separate copies", id)
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
