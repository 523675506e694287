package cluster

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// manyObjects returns n objects of every listed kind, spread over two namespaces.
func manyObjects(n int) []runtime.Object {
	var objs []runtime.Object
	for i := range n {
		ns := []string{"a", "b"}[i%2]
		name := fmt.Sprintf("o%02d", i)
		objs = append(objs,
			clusterRole("cr-"+name), clusterRoleBinding("crb-"+name, "cr-"+name),
			role(ns, name), roleBinding(ns, name), serviceAccount(ns, name),
			node("node-"+name, 0, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("127.0.0.%d", i+1)}),
			pod(objMeta(ns, "pod-"+name), name),
			replicaSet(objMeta(ns, "rs-"+name)), job(objMeta(ns, "job-"+name)))
	}
	return objs
}

func TestLoadPaginates(t *testing.T) {
	const n, pageSize = 7, 2
	cs := fake.NewClientset(manyObjects(n)...)
	pages := paginateFake(t, cs, scanResources...)
	res, err := Load(context.Background(), cs, LoadOptions{PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	wantPages := (n + pageSize - 1) / pageSize
	for _, r := range scanResources {
		if got := pages.get(r); got != wantPages {
			t.Errorf("%s: %d list requests, want %d pages of %d", r, got, wantPages, pageSize)
		}
		if got := res.Listed[r]; got != n {
			t.Errorf("Listed[%s] = %d, want %d", r, got, n)
		}
	}
	inv := res.Inventory
	counts := map[string]int{"clusterroles": len(inv.ClusterRoles), "clusterrolebindings": len(inv.ClusterRoleBindings),
		"roles": len(inv.Roles), "rolebindings": len(inv.RoleBindings), "serviceaccounts": len(inv.ServiceAccounts),
		"workloads": len(inv.Workloads), "nodes": len(res.Nodes)}
	for k, got := range counts {
		if got != n {
			t.Errorf("%s: %d in the result, want %d (each object exactly once)", k, got, n)
		}
	}
}

func TestLoadSourcesAndTypes(t *testing.T) {
	cs := fake.NewClientset(manyObjects(1)...)
	res, err := Load(context.Background(), cs, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv := res.Inventory
	checks := []struct{ kind, gotKind, gotURI, wantURI string }{
		{"ClusterRole", inv.ClusterRoles[0].Kind, inv.ClusterRoles[0].Source.URI, "k8s://clusterrole/cr-o00"},
		{"ClusterRoleBinding", inv.ClusterRoleBindings[0].Kind, inv.ClusterRoleBindings[0].Source.URI, "k8s://clusterrolebinding/crb-o00"},
		{"Role", inv.Roles[0].Kind, inv.Roles[0].Source.URI, "k8s://role/a/o00"},
		{"RoleBinding", inv.RoleBindings[0].Kind, inv.RoleBindings[0].Source.URI, "k8s://rolebinding/a/o00"},
	}
	for _, c := range checks {
		if c.gotKind != c.kind || c.gotURI != c.wantURI {
			t.Errorf("%s: kind %q uri %q, want kind %q uri %q", c.kind, c.gotKind, c.gotURI, c.kind, c.wantURI)
		}
	}
	if got := inv.ServiceAccounts[0].Source.URI; got != "k8s://serviceaccount/a/o00" {
		t.Errorf("ServiceAccount uri %q", got)
	}
	if inv.ClusterRoles[0].RuleLines != nil || inv.ClusterRoles[0].Source.File != "" {
		t.Errorf("live objects must have no file or rule lines: %+v", inv.ClusterRoles[0])
	}
	if len(inv.ClusterRoles[0].Rules) != 1 {
		t.Errorf("rules lost: %+v", inv.ClusterRoles[0].Rules)
	}
}

// TestLoadListsExactlyRequiredPermissions keeps the permission table (and so
// the deploy/ ClusterRole and README) in step with what Load really lists.
func TestLoadListsExactlyRequiredPermissions(t *testing.T) {
	cs := fake.NewClientset()
	if _, err := Load(context.Background(), cs, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, a := range cs.Actions() {
		if a.GetVerb() != "list" {
			t.Errorf("Load used verb %s on %s; it must only list", a.GetVerb(), a.GetResource().Resource)
		}
		gr := schema.GroupResource{Group: a.GetResource().Group, Resource: a.GetResource().Resource}
		listed[gr.String()] = true
	}
	want := map[string]bool{}
	for _, p := range PermissionsFor(FeatureScan) {
		want[p.Qualified()] = true
	}
	if !reflect.DeepEqual(listed, want) {
		t.Errorf("Load lists %v, RequiredPermissions(scan) says %v", keys(listed), keys(want))
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func forbidden(group, resource string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: group, Resource: resource}, "",
		errors.New(`User "scanner" cannot list resource`))
}

func TestLoadListFailures(t *testing.T) {
	tests := []struct {
		name       string
		resource   string
		err        error
		namespaces []string
		failAfter  int // pages served before the error
		wantSource string
		wantMsg    string
	}{
		{name: "forbidden cluster-wide", resource: "roles", err: forbidden("rbac.authorization.k8s.io", "roles"),
			wantSource: "roles.rbac.authorization.k8s.io",
			wantMsg:    "could not check roles (forbidden): needs list roles.rbac.authorization.k8s.io at cluster scope"},
		{name: "forbidden in a namespace", resource: "pods", err: forbidden("", "pods"), namespaces: []string{"a"},
			wantSource: "pods (namespace a)",
			wantMsg:    "could not check pods (forbidden): needs list pods in namespace a"},
		{name: "unauthorized", resource: "nodes", err: apierrors.NewUnauthorized("token expired"),
			wantSource: "nodes",
			wantMsg:    "could not check nodes (unauthorized): the API server rejected the scanner's credentials"},
		{name: "server error mid-list", resource: "replicasets", err: apierrors.NewInternalError(errors.New("etcd down")), failAfter: 1,
			wantSource: "replicasets.apps",
			wantMsg:    "could not check replicasets: Internal error occurred: etcd down (list stopped after 2 objects)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset(manyObjects(6)...)
			paginateFake(t, cs, scanResources...)
			served := 0
			cs.PrependReactor("list", tt.resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
				if served < tt.failAfter {
					served++
					return false, nil, nil // let the paging reactor answer
				}
				return true, nil, tt.err
			})
			res, err := Load(context.Background(), cs, LoadOptions{PageSize: 2, Namespaces: tt.namespaces})
			if err != nil {
				t.Fatal(err)
			}
			want := []finding.ScanError{{Stage: "cluster", Source: tt.wantSource, Message: tt.wantMsg}}
			if !reflect.DeepEqual(res.Errors, want) {
				t.Fatalf("errors:\n got %+v\nwant %+v", res.Errors, want)
			}
			if _, ok := res.Listed[tt.resource]; ok != (tt.failAfter > 0) {
				t.Errorf("Listed[%s] present = %v, want %v", tt.resource, ok, tt.failAfter > 0)
			}
			// The other resources still load.
			inv := res.Inventory
			if len(inv.ClusterRoles) != 6 || len(inv.ClusterRoleBindings) != 6 {
				t.Errorf("cluster-scoped objects not loaded: %d roles, %d bindings", len(inv.ClusterRoles), len(inv.ClusterRoleBindings))
			}
			if tt.resource != "pods" && len(inv.Workloads) == 0 {
				t.Error("workloads not loaded")
			}
		})
	}
}

func TestLoadRestartsOnExpiredContinue(t *testing.T) {
	cs := fake.NewClientset(manyObjects(5)...)
	pages := paginateFake(t, cs, scanResources...)
	expired := false
	cs.PrependReactor("list", "clusterroles", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.(k8stesting.ListActionImpl).GetListOptions().Continue != "" && !expired {
			expired = true
			return true, nil, apierrors.NewResourceExpired("continue token expired")
		}
		return false, nil, nil
	})
	res, err := Load(context.Background(), cs, LoadOptions{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 || !expired {
		t.Fatalf("errors %v, expired sent %v", res.Errors, expired)
	}
	if got := len(res.Inventory.ClusterRoles); got != 5 {
		t.Errorf("%d ClusterRoles after the fallback full list, want 5 (no duplicates)", got)
	}
	// first page + full list after the 410.
	if got := pages.get("clusterroles"); got != 2 {
		t.Errorf("%d clusterroles pages served, want 2", got)
	}
}

func TestLoadHonoursCancellation(t *testing.T) {
	cs := fake.NewClientset(manyObjects(3)...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Load(ctx, cs, LoadOptions{})
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Fatalf("got %v, %v; want context.Canceled and no result", res, err)
	}
	if len(cs.Actions()) != 0 {
		t.Errorf("%d requests sent after cancellation", len(cs.Actions()))
	}
}

func TestLoadNamespaces(t *testing.T) {
	cs := fake.NewClientset(manyObjects(4)...)
	res, err := Load(context.Background(), cs, LoadOptions{Namespaces: []string{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Inventory.Roles {
		if r.Namespace != "b" {
			t.Errorf("role %s/%s outside the namespace filter", r.Namespace, r.Name)
		}
	}
	if len(res.Inventory.Roles) != 2 || len(res.Inventory.ClusterRoles) != 4 {
		t.Errorf("%d roles (want 2 in b), %d cluster roles (want all 4)", len(res.Inventory.Roles), len(res.Inventory.ClusterRoles))
	}
}

func TestLoadStripsManagedFieldsAndLastApplied(t *testing.T) {
	cr := clusterRole("big")
	cr.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	cr.Annotations = map[string]string{lastApplied: "{...}", "kubelet-audit.io/ignore": "KA-RBAC-001"}
	res, err := Load(context.Background(), fake.NewClientset(cr), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Inventory.ClusterRoles[0]
	if got.ManagedFields != nil || got.Annotations[lastApplied] != "" || got.Annotations["kubelet-audit.io/ignore"] != "KA-RBAC-001" {
		t.Errorf("metadata: managed %v annotations %v", got.ManagedFields, got.Annotations)
	}
}

func TestLoadOwnerChains(t *testing.T) {
	no := false
	deployRS := replicaSet(owned(objMeta("web", "frontend-7d9f"), "apps/v1", "Deployment", "frontend"))
	deployRS.Annotations = map[string]string{"kubelet-audit.io/ignore": "KA-RBAC-002"} // copied from the Deployment
	noToken := pod(owned(objMeta("ops", "backup-29-x"), "batch/v1", "Job", "backup-29"), "backup")
	noToken.Spec.AutomountServiceAccountToken = &no
	legacySA := pod(objMeta("ops", "legacy"), "")
	legacySA.Spec.DeprecatedServiceAccount = "old-sa"
	done := pod(objMeta("ops", "finished"), "x")
	done.Status.Phase = corev1.PodSucceeded
	objs := []runtime.Object{
		deployRS,
		pod(owned(objMeta("web", "frontend-7d9f-a"), "apps/v1", "ReplicaSet", "frontend-7d9f"), "web-sa"),
		pod(owned(objMeta("web", "frontend-7d9f-b"), "apps/v1", "ReplicaSet", "frontend-7d9f"), "web-sa"),
		job(owned(objMeta("ops", "backup-29"), "batch/v1", "CronJob", "backup")),
		noToken,
		job(objMeta("ops", "once")),
		pod(owned(objMeta("ops", "once-q"), "batch/v1", "Job", "once"), ""),
		pod(owned(objMeta("kube-system", "agent-x1"), "apps/v1", "DaemonSet", "agent"), "agent"),
		pod(owned(objMeta("kube-system", "agent-x2"), "apps/v1", "DaemonSet", "agent"), "agent"),
		pod(owned(objMeta("db", "pg-0"), "apps/v1", "StatefulSet", "pg"), "pg"),
		pod(owned(objMeta("web", "gone-5c-z"), "apps/v1", "ReplicaSet", "gone-5c"), "web-sa"),
		pod(owned(objMeta("kube-system", "etcd-n1"), "v1", "Node", "n1"), ""),
		pod(objMeta("ops", "debug"), "admin"),
		legacySA, done,
	}
	res, err := Load(context.Background(), fake.NewClientset(objs...), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wl := func(kind, ns, name, sa string, automount bool) inventory.Workload {
		return inventory.Workload{Kind: kind, Namespace: ns, Name: name, ServiceAccount: sa,
			AutomountToken: automount, Source: uri(kind, ns, name)}
	}
	want := []inventory.Workload{
		wl("StatefulSet", "db", "pg", "pg", true),
		wl("DaemonSet", "kube-system", "agent", "agent", true),
		wl("Pod", "kube-system", "etcd-n1", "default", true), // mirror pod: owner is the Node
		wl("CronJob", "ops", "backup", "backup", false),
		wl("Job", "ops", "once", "default", true),
		wl("Pod", "ops", "debug", "admin", true),
		wl("Pod", "ops", "legacy", "old-sa", true),
		wl("Deployment", "web", "frontend", "web-sa", true),
		wl("ReplicaSet", "web", "gone-5c", "web-sa", true), // ReplicaSet not listed: stop there
	}
	got := res.Inventory.Workloads
	var dep inventory.Workload
	for i := range got {
		if got[i].Kind == "Deployment" {
			dep = got[i]
		}
		got[i].Annotations = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("workloads:\n got %+v\nwant %+v", got, want)
	}
	if dep.Source.URI != "k8s://deployment/web/frontend" {
		t.Errorf("Deployment uri %q", dep.Source.URI)
	}
	if res.Listed["pods"] != len(objs)-4 {
		t.Errorf("Listed[pods] = %d, want %d (finished pods skipped)", res.Listed["pods"], len(objs)-4)
	}
}

func TestLoadOwnerAnnotations(t *testing.T) {
	rs := replicaSet(owned(objMeta("web", "frontend-7d9f"), "apps/v1", "Deployment", "frontend"))
	rs.Annotations = map[string]string{"kubelet-audit.io/ignore": "KA-RBAC-002", lastApplied: "{}"}
	p := pod(owned(objMeta("web", "frontend-7d9f-a"), "apps/v1", "ReplicaSet", "frontend-7d9f"), "web-sa")
	p.Annotations = map[string]string{"team": "web"}
	res, err := Load(context.Background(), fake.NewClientset(rs, p), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Inventory.Workloads[0].Annotations
	want := map[string]string{"kubelet-audit.io/ignore": "KA-RBAC-002", "team": "web"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("annotations %v, want %v", got, want)
	}
}

func TestLoadNodeTargets(t *testing.T) {
	objs := []runtime.Object{
		node("n1", 10250, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}),
		node("n2", 0),
	}
	res, err := Load(context.Background(), fake.NewClientset(objs...), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Nodes) != 1 || res.Nodes[0].Target() != "127.0.0.1:10250" {
		t.Errorf("nodes %+v", res.Nodes)
	}
	if len(res.Errors) != 1 || res.Errors[0].Source != "k8s://node/n2" || !strings.Contains(res.Errors[0].Message, "no InternalIP") {
		t.Errorf("errors %+v", res.Errors)
	}
}

func TestLoadKeepsAggregatedRolesAsStored(t *testing.T) {
	agg := clusterRole("monitoring-view")
	agg.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
		{MatchLabels: map[string]string{"rbac.example.com/aggregate-to-monitoring": "true"}}}}
	res, err := Load(context.Background(), fake.NewClientset(agg), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Inventory.ClusterRoles[0]
	if !reflect.DeepEqual(got.AggregationRule, agg.AggregationRule) || !reflect.DeepEqual(got.Rules, agg.Rules) {
		t.Errorf("aggregated role changed: %+v", got.ClusterRole)
	}
}
