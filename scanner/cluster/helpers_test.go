package cluster

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// scanResources are the resources Load lists, as the fake clientset names them.
var scanResources = []string{"clusterroles", "clusterrolebindings", "roles", "rolebindings",
	"serviceaccounts", "nodes", "pods", "replicasets", "jobs"}

// pageCounter counts list requests per resource.
type pageCounter struct {
	mu    sync.Mutex
	pages map[string]int
}

func (c *pageCounter) add(resource string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pages[resource]++
}

func (c *pageCounter) get(resource string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pages[resource]
}

// paginateFake makes the fake clientset honour Limit and Continue (the plain
// fake ignores them): items sorted by namespace/name, the continue token is
// the offset of the next page.
func paginateFake(t *testing.T, cs *fake.Clientset, resources ...string) *pageCounter {
	t.Helper()
	counter := &pageCounter{pages: map[string]int{}}
	for _, res := range resources {
		cs.PrependReactor("list", res, func(a k8stesting.Action) (bool, runtime.Object, error) {
			la := a.(k8stesting.ListActionImpl)
			obj, err := cs.Tracker().List(la.GetResource(), la.GetKind(), la.GetNamespace())
			if err != nil {
				return true, nil, err
			}
			items, err := meta.ExtractList(obj)
			if err != nil {
				return true, nil, err
			}
			slices.SortFunc(items, func(a, b runtime.Object) int {
				ma, _ := meta.Accessor(a)
				mb, _ := meta.Accessor(b)
				return strings.Compare(ma.GetNamespace()+"/"+ma.GetName(), mb.GetNamespace()+"/"+mb.GetName())
			})
			opts := la.GetListOptions()
			start := 0
			if opts.Continue != "" {
				if start, err = strconv.Atoi(opts.Continue); err != nil {
					return true, nil, fmt.Errorf("bad continue token %q", opts.Continue)
				}
			}
			end := len(items)
			if opts.Limit > 0 {
				end = min(start+int(opts.Limit), len(items))
			}
			if err := meta.SetList(obj, items[start:end]); err != nil {
				return true, nil, err
			}
			if end < len(items) {
				obj.(metav1.ListInterface).SetContinue(strconv.Itoa(end))
			}
			counter.add(res)
			return true, obj, nil
		})
	}
	return counter
}

// Object builders.

func objMeta(ns, name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }

func owned(m metav1.ObjectMeta, apiVersion, kind, name string) metav1.ObjectMeta {
	yes := true
	m.OwnerReferences = []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, Controller: &yes}}
	return m
}

func clusterRole(name string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: objMeta("", name), Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"nodes/proxy"}, Verbs: []string{"get"}},
	}}
}

func clusterRoleBinding(name, role string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: objMeta("", name),
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:authenticated"}}}
}

func role(ns, name string) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: objMeta(ns, name)}
}

func roleBinding(ns, name string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: objMeta(ns, name),
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}
}

func serviceAccount(ns, name string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: objMeta(ns, name)}
}

func node(name string, port int32, addrs ...corev1.NodeAddress) *corev1.Node {
	n := &corev1.Node{ObjectMeta: objMeta("", name)}
	n.Status.Addresses = addrs
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = port
	return n
}

func pod(m metav1.ObjectMeta, sa string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: m, Spec: corev1.PodSpec{ServiceAccountName: sa},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
}

func replicaSet(m metav1.ObjectMeta) *appsv1.ReplicaSet { return &appsv1.ReplicaSet{ObjectMeta: m} }

func job(m metav1.ObjectMeta) *batchv1.Job { return &batchv1.Job{ObjectMeta: m} }
