package scanner

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// liveCluster turns the demo manifests into the objects a live API server
// would hold: the bootstrap policy, the demo RBAC with aggregated roles as the
// aggregation controller writes them, and running pods whose owner chains
// lead to the demo workloads.
func liveCluster(t *testing.T, inv *inventory.Inventory) []runtime.Object {
	t.Helper()
	builtins, crbs := rbac.Builtins()
	crs := append(builtins, demoClusterRoles(inv)...)
	aggregate(t, crs)
	var objs []runtime.Object
	for i := range crs {
		objs = append(objs, &crs[i])
	}
	for i := range crbs {
		objs = append(objs, &crbs[i])
	}
	for _, o := range inv.ClusterRoleBindings {
		objs = append(objs, o.ClusterRoleBinding.DeepCopy())
	}
	for _, o := range inv.RoleBindings {
		objs = append(objs, o.RoleBinding.DeepCopy())
	}
	for _, sa := range inv.ServiceAccounts {
		objs = append(objs, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: sa.Namespace, Name: sa.Name}})
	}
	for _, w := range inv.Workloads {
		objs = append(objs, runningPods(w)...)
	}
	return objs
}

func demoClusterRoles(inv *inventory.Inventory) []rbacv1.ClusterRole {
	var out []rbacv1.ClusterRole
	for _, o := range inv.ClusterRoles {
		out = append(out, *o.ClusterRole.DeepCopy())
	}
	return out
}

// aggregate writes aggregated ClusterRoles' rules the way the aggregation
// controller does (the union of the rules of every ClusterRole its
// selectors match), repeated until nothing changes so chains such as
// view -> edit -> admin settle.
func aggregate(t *testing.T, crs []rbacv1.ClusterRole) {
	t.Helper()
	for changed := true; changed; {
		changed = false
		for i := range crs {
			if crs[i].AggregationRule == nil {
				continue
			}
			var rules []rbacv1.PolicyRule
			for _, sel := range crs[i].AggregationRule.ClusterRoleSelectors {
				s, err := metav1.LabelSelectorAsSelector(&sel)
				if err != nil {
					t.Fatal(err)
				}
				for j := range crs {
					if j != i && s.Matches(labels.Set(crs[j].Labels)) {
						for _, r := range crs[j].Rules {
							if !slices.ContainsFunc(rules, func(x rbacv1.PolicyRule) bool { return equality.Semantic.DeepEqual(x, r) }) {
								rules = append(rules, r)
							}
						}
					}
				}
			}
			if !equality.Semantic.DeepEqual(rules, crs[i].Rules) {
				crs[i].Rules, changed = rules, true
			}
		}
	}
}

// runningPods returns a pod owned by the workload, through a ReplicaSet for
// Deployments, as controllers would create it.
func runningPods(w inventory.Workload) []runtime.Object {
	ctrl := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: w.Namespace, Name: w.Name + "-x1"},
		Spec:       corev1.PodSpec{ServiceAccountName: w.ServiceAccount},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	switch w.Kind {
	case "Deployment":
		rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: w.Namespace, Name: w.Name + "-5d8f",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: w.Name, Controller: &ctrl}}}}
		pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, Controller: &ctrl}}
		return []runtime.Object{rs, pod}
	default:
		pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: w.Kind, Name: w.Name, Controller: &ctrl}}
		return []runtime.Object{pod}
	}
}

// key identifies a finding modulo locations and wording.
func key(f finding.Finding) string {
	return strings.Join([]string{f.RuleID, f.Severity.String(), f.Subject, f.Resource.String(), f.Fingerprint}, "|")
}

// TestClusterMatchesOffline: scanning a (fake) cluster that holds the demo
// objects gives the same RBAC findings as scanning the demo manifests.
func TestClusterMatchesOffline(t *testing.T) {
	demo := filepath.Join("..", "testdata", "demo")
	offline := scanPaths(t, demo)
	res, err := load.Load(context.Background(), []string{demo}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := fake.NewClientset(liveCluster(t, res.Inventory)...)
	live, err := Scan(context.Background(), Options{Engine: builtinEngine(t), Cluster: &ClusterOptions{Client: client}})
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Errors) > 0 {
		t.Fatalf("live scan errors: %v", live.Errors)
	}
	var want, got []string
	for _, f := range offline.Findings {
		if !strings.HasPrefix(f.RuleID, "KA-CONFIG-") { // the kubelet config file is not an API object
			want = append(want, key(f))
		}
	}
	for _, f := range live.Findings {
		if f.RuleID == "KA-RBAC-013" { // live also sees the bootstrap bindings of system identities
			continue
		}
		got = append(got, key(f))
		if f.Location.URI == "" || !strings.HasPrefix(f.Location.URI, "k8s://") {
			t.Errorf("live finding %s has no k8s:// location: %+v", f.RuleID, f.Location)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("live findings differ from offline\nonly offline: %v\nonly live: %v", minus(want, got), minus(got, want))
	}
	// The pod -> ReplicaSet -> Deployment chain attributes the finding to the Deployment.
	f := find(live, "KA-RBAC-002", "ServiceAccount:tools/node-debugger")
	if len(f) != 1 || !strings.Contains(f[0].Message, "Deployment tools/debug-console") {
		t.Errorf("live KA-RBAC-002 does not name the Deployment: %+v", f)
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestClusterForbiddenListIsPartial: a forbidden list is a clear error, the
// rest is scanned and the verdict is partial, never a pass.
func TestClusterForbiddenListIsPartial(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("list", "roles", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "roles"}, "", nil)
	})
	r, err := Scan(context.Background(), Options{Engine: builtinEngine(t), Cluster: &ClusterOptions{Client: client}})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range r.Errors {
		msgs = append(msgs, e.Error())
	}
	if !slices.ContainsFunc(msgs, func(m string) bool {
		return strings.Contains(m, "could not check roles (forbidden)") && strings.Contains(m, "list roles.rbac.authorization.k8s.io")
	}) {
		t.Errorf("errors = %v, want the forbidden roles list named", msgs)
	}
	if err := finding.Gate(r, finding.SeverityHigh); err == nil || !strings.Contains(err.Error(), "partial") {
		t.Errorf("gate = %v, want partial", err)
	}
}
