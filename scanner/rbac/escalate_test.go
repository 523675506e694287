package rbac

import (
	"fmt"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// TestEscalations gives User:esc one role (through a ClusterRoleBinding, or
// a RoleBinding in namespace "mon") in a cluster where
// ServiceAccount:mon/agent and User:alice hold nodes/proxy.
func TestEscalations(t *testing.T) {
	tests := []struct {
		name   string
		rules  []rbacv1.PolicyRule
		inNS   string   // bind through a RoleBinding in this namespace
		want   []string // "kind resource names=[...] targets=[...]"
		detail string   // substring of the first escalation's detail
	}{
		{name: "bind any ClusterRole, lacking binding creation", rules: []rbacv1.PolicyRule{newRule("bind", "rbac.authorization.k8s.io", "clusterroles")},
			want:   []string{"bind clusterroles names=[] targets=[]"},
			detail: "it also needs create on clusterrolebindings, which it lacks"},
		{name: "bind plus create bindings", rules: []rbacv1.PolicyRule{newRule("bind", "rbac.authorization.k8s.io", "clusterroles"), newRule("create", "rbac.authorization.k8s.io", "clusterrolebindings")},
			want:   []string{"bind clusterroles names=[] targets=[]", "write-bindings clusterrolebindings names=[] targets=[]"},
			detail: "it also holds create on clusterrolebindings"},
		{name: "bind named cluster-admin (built-in with node access)", rules: []rbacv1.PolicyRule{newRule("bind", "rbac.authorization.k8s.io", "clusterroles", "cluster-admin")},
			want: []string{"bind clusterroles names=[cluster-admin] targets=[]"}, detail: "with node access (cluster-admin)"},
		{name: "bind named view is no path", rules: []rbacv1.PolicyRule{newRule("bind", "rbac.authorization.k8s.io", "clusterroles", "view")}},
		{name: "bind on roles only is no path (RoleBindings cannot grant nodes)", rules: []rbacv1.PolicyRule{newRule("bind", "rbac.authorization.k8s.io", "roles")}},
		{name: "escalate", rules: []rbacv1.PolicyRule{newRule("escalate,update", "rbac.authorization.k8s.io", "clusterroles")},
			want:   []string{"escalate clusterroles names=[] targets=[]", "write-roles clusterroles names=[] targets=[]"},
			detail: "can add any permission, e.g. nodes/proxy, to any ClusterRole; it also holds update"},
		{name: "write roles without escalate", rules: []rbacv1.PolicyRule{newRule("patch", "rbac.authorization.k8s.io", "clusterroles")},
			want: []string{"write-roles clusterroles names=[] targets=[]"}, detail: "needs escalate on clusterroles"},
		{name: "write-bindings lacking bind", rules: []rbacv1.PolicyRule{newRule("create,update", "rbac.authorization.k8s.io", "clusterrolebindings")},
			want:   []string{"write-bindings clusterrolebindings names=[] targets=[]"},
			detail: "together with bind on a role that has nodes/proxy (e.g. cluster-admin) this grants node exec; on its own this is not enough"},
		{name: "write rolebindings cluster-wide reaches pod creation", rules: []rbacv1.PolicyRule{newRule("create", "rbac.authorization.k8s.io", "rolebindings")},
			want: []string{"write-bindings rolebindings names=[] targets=[ServiceAccount:kube-system/generic-garbage-collector ServiceAccount:kube-system/namespace-controller ServiceAccount:kube-system/storage-version-migrator-controller ServiceAccount:mon/agent]"}},
		{name: "write rolebindings in a namespace is no path", inNS: "mon", rules: []rbacv1.PolicyRule{newRule("create", "rbac.authorization.k8s.io", "rolebindings")}},
		{name: "impersonate any group reaches system:masters", rules: []rbacv1.PolicyRule{newRule("impersonate", "", "groups")},
			want: []string{"impersonate groups names=[] targets=[Group:system:masters Group:system:monitoring]"}, detail: "system:masters"},
		{name: "impersonate named user with node access", rules: []rbacv1.PolicyRule{newRule("impersonate", "", "users", "alice")},
			want: []string{"impersonate users names=[alice] targets=[User:alice]"}},
		{name: "impersonate named user without node access", rules: []rbacv1.PolicyRule{newRule("impersonate", "", "users", "bob")}},
		{name: "impersonate serviceaccounts in a namespace", inNS: "mon", rules: []rbacv1.PolicyRule{newRule("impersonate", "", "serviceaccounts")},
			want: []string{"impersonate serviceaccounts names=[] targets=[ServiceAccount:mon/agent]"}},
		{name: "impersonate users through a RoleBinding is cluster-scoped: nothing", inNS: "mon", rules: []rbacv1.PolicyRule{newRule("impersonate", "", "users")}},
		{name: "userextras and uids are ignored", rules: []rbacv1.PolicyRule{newRule("impersonate", "authentication.k8s.io", "userextras/scopes,uids")}},
		{name: "create pods where a node-access SA runs", inNS: "mon", rules: []rbacv1.PolicyRule{newRule("create", "", "pods")},
			want: []string{"create-pods pods names=[] targets=[ServiceAccount:mon/agent]"}, detail: `in namespace "mon"`},
		{name: "create pods elsewhere is no path", inNS: "web", rules: []rbacv1.PolicyRule{newRule("create", "", "pods")}},
		{name: "create deployments cluster-wide", rules: []rbacv1.PolicyRule{newRule("create", "apps", "deployments,daemonsets")},
			want: []string{"create-pods deployments,daemonsets names=[] targets=[ServiceAccount:kube-system/generic-garbage-collector ServiceAccount:kube-system/namespace-controller ServiceAccount:kube-system/storage-version-migrator-controller ServiceAccount:mon/agent]"}},
		{name: "create with resourceNames never authorizes", rules: []rbacv1.PolicyRule{newRule("create", "", "pods", "p1")}},
		{name: "create token for the node-access SA", inNS: "mon", rules: []rbacv1.PolicyRule{newRule("create", "", "serviceaccounts/token", "agent")},
			want: []string{"create-token serviceaccounts/token names=[agent] targets=[ServiceAccount:mon/agent]"}},
		{name: "create token for another SA", inNS: "mon", rules: []rbacv1.PolicyRule{newRule("create", "", "serviceaccounts/token", "default")}},
		{name: "get pods is nothing", rules: []rbacv1.PolicyRule{newRule("get,list", "", "pods,serviceaccounts")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &inventory.Inventory{
				ClusterRoles: []inventory.ClusterRole{
					newClusterRole("node-proxy", newRule("get", "", "nodes/proxy")),
					newClusterRole("esc", tt.rules...),
				},
				ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("np", "node-proxy", "ServiceAccount:mon/agent", "User:alice")},
			}
			if tt.inNS != "" {
				inv.RoleBindings = append(inv.RoleBindings, newRB(tt.inNS, "esc", kindClusterRole, "esc", "User:esc"))
			} else {
				inv.ClusterRoleBindings = append(inv.ClusterRoleBindings, newCRB("esc", "esc", "User:esc"))
			}
			res := resolve(t, inv, Options{})
			s := findSubject(res, "User:esc")
			var got []string
			for _, e := range s.Escalations {
				got = append(got, fmt.Sprintf("%s %s names=%v targets=%v", e.Kind, e.Resource, e.Names, e.Targets))
				if e.Namespace != tt.inNS {
					t.Errorf("escalation namespace = %q, want %q", e.Namespace, tt.inNS)
				}
				if !strings.HasPrefix(e.Path.Text, refText(e.Path.Binding)+" -> ClusterRole \"esc\" rule #") {
					t.Errorf("path text = %q", e.Path.Text)
				}
			}
			if !eq(uniqSorted(got), uniqSorted(append([]string{}, tt.want...))) {
				t.Errorf("escalations = %q, want %q", got, tt.want)
			}
			if tt.detail != "" && (len(s.Escalations) == 0 || !strings.Contains(s.Escalations[0].Detail, tt.detail)) {
				t.Errorf("detail = %v, want %q", s.Escalations, tt.detail)
			}
		})
	}
}

// TestEscalationOfNodeHolderExcludesItself: a ServiceAccount that already
// has node access gains nothing by running pods as itself.
func TestEscalationOfNodeHolderExcludesItself(t *testing.T) {
	inv := &inventory.Inventory{
		ClusterRoles:        []inventory.ClusterRole{newClusterRole("np", newRule("get", "", "nodes/proxy"), newRule("create", "", "pods"))},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{newCRB("np", "np", "ServiceAccount:mon/agent")},
	}
	res := resolve(t, inv, Options{NoBuiltins: true})
	if e := findSubject(res, "ServiceAccount:mon/agent").Escalations; len(e) != 0 {
		t.Errorf("escalations = %+v, want none", e)
	}
}

// TestClusterAdminEscalations: cluster-admin carries every escalation kind.
func TestClusterAdminEscalations(t *testing.T) {
	inv := &inventory.Inventory{ClusterRoleBindings: []inventory.ClusterRoleBinding{
		newCRB("ca", "cluster-admin", "User:root"), newCRB("np", "system:kubelet-api-admin", "ServiceAccount:mon/agent"),
	}}
	res := resolve(t, inv, Options{})
	kinds := map[string]bool{}
	for _, e := range findSubject(res, "User:root").Escalations {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"bind", "escalate", "impersonate", "write-bindings", "write-roles", "create-pods", "create-token"} {
		if !kinds[k] {
			t.Errorf("cluster-admin lacks escalation kind %s (got %v)", k, kinds)
		}
	}
}
