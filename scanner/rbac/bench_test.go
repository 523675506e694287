package rbac

import (
	"fmt"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// largeInventory generates clusterRoles ClusterRoles plus as many Roles
// (over 100 namespaces) and the given number of bindings, half cluster-wide;
// every 50th role carries node access, every 100th is labeled into an
// aggregated role, and every 10th grants pod creation.
func largeInventory(roles, bindings int) *inventory.Inventory {
	inv := &inventory.Inventory{}
	rule := func(i int) []rbacv1.PolicyRule {
		rs := []rbacv1.PolicyRule{newRule("get,list,watch", "", "pods,services,configmaps"), newRule("get", "apps", "deployments")}
		if i%50 == 0 {
			rs = append(rs, newRule("get,list", "", "nodes/proxy,nodes/metrics"))
		}
		if i%10 == 0 {
			rs = append(rs, newRule("create", "", "pods"))
		}
		return rs
	}
	for i := 0; i < roles/2; i++ {
		cr := newClusterRole(fmt.Sprintf("cr-%d", i), rule(i)...)
		if i%100 == 0 {
			cr = withLabels(cr, "aggregate-to", fmt.Sprintf("agg-%d", i%7))
		}
		inv.ClusterRoles = append(inv.ClusterRoles, cr)
		inv.Roles = append(inv.Roles, newRole(fmt.Sprintf("ns-%d", i%100), fmt.Sprintf("r-%d", i), rule(i)...))
	}
	for a := 0; a < 7; a++ {
		inv.ClusterRoles = append(inv.ClusterRoles, aggregating(fmt.Sprintf("agg-%d", a), fmt.Sprintf("aggregate-to=agg-%d", a)))
	}
	for i := 0; i < bindings/2; i++ {
		inv.ClusterRoleBindings = append(inv.ClusterRoleBindings,
			newCRB(fmt.Sprintf("crb-%d", i), fmt.Sprintf("cr-%d", i%(roles/2)), fmt.Sprintf("ServiceAccount:ns-%d/sa-%d", i%100, i%3000), fmt.Sprintf("User:u-%d", i%5000)))
		ns := fmt.Sprintf("ns-%d", i%100)
		inv.RoleBindings = append(inv.RoleBindings,
			newRB(ns, fmt.Sprintf("rb-%d", i), kindRole, fmt.Sprintf("r-%d", i%(roles/2)), fmt.Sprintf("ServiceAccount:sa-%d", i%3000)))
	}
	for i := 0; i < 5000; i++ {
		inv.Workloads = append(inv.Workloads, newWorkload("Deployment", fmt.Sprintf("ns-%d", i%100), fmt.Sprintf("w-%d", i), fmt.Sprintf("sa-%d", i%3000)))
	}
	return inv
}

func BenchmarkResolve(b *testing.B) {
	inv := largeInventory(20000, 50000)
	Resolve(inv, Options{}) // warm the embedded bootstrap policy
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, _ := Resolve(inv, Options{})
		if len(res.Bindings) != 50000 {
			b.Fatalf("bindings = %d", len(res.Bindings))
		}
	}
}
