package cluster

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// podsNotFinished skips completed pods server-side; they run nothing.
const podsNotFinished = "status.phase!=" + string(corev1.PodSucceeded) + ",status.phase!=" + string(corev1.PodFailed)

// rbacTypeMeta restores the kind that typed lists leave empty on items.
func rbacTypeMeta(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: kind}
}

func (l *loader) listClusterRoles(ctx context.Context) {
	l.inv.ClusterRoles = listEach(ctx, l, permission("clusterroles", "list"), false,
		func(string) pageFunc[rbacv1.ClusterRole] {
			return func(ctx context.Context, o metav1.ListOptions) ([]rbacv1.ClusterRole, string, error) {
				list, err := l.client.RbacV1().ClusterRoles().List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		func(o *rbacv1.ClusterRole) (inventory.ClusterRole, bool) {
			trim(&o.ObjectMeta)
			o.TypeMeta = rbacTypeMeta("ClusterRole")
			return inventory.ClusterRole{ClusterRole: *o, Source: uri("ClusterRole", "", o.Name)}, true
		})
}

func (l *loader) listClusterRoleBindings(ctx context.Context) {
	l.inv.ClusterRoleBindings = listEach(ctx, l, permission("clusterrolebindings", "list"), false,
		func(string) pageFunc[rbacv1.ClusterRoleBinding] {
			return func(ctx context.Context, o metav1.ListOptions) ([]rbacv1.ClusterRoleBinding, string, error) {
				list, err := l.client.RbacV1().ClusterRoleBindings().List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		func(o *rbacv1.ClusterRoleBinding) (inventory.ClusterRoleBinding, bool) {
			trim(&o.ObjectMeta)
			o.TypeMeta = rbacTypeMeta("ClusterRoleBinding")
			return inventory.ClusterRoleBinding{ClusterRoleBinding: *o, Source: uri("ClusterRoleBinding", "", o.Name)}, true
		})
}

func (l *loader) listRoles(ctx context.Context) {
	l.inv.Roles = listEach(ctx, l, permission("roles", "list"), true,
		func(ns string) pageFunc[rbacv1.Role] {
			return func(ctx context.Context, o metav1.ListOptions) ([]rbacv1.Role, string, error) {
				list, err := l.client.RbacV1().Roles(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		func(o *rbacv1.Role) (inventory.Role, bool) {
			trim(&o.ObjectMeta)
			o.TypeMeta = rbacTypeMeta("Role")
			return inventory.Role{Role: *o, Source: uri("Role", o.Namespace, o.Name)}, true
		})
}

func (l *loader) listRoleBindings(ctx context.Context) {
	l.inv.RoleBindings = listEach(ctx, l, permission("rolebindings", "list"), true,
		func(ns string) pageFunc[rbacv1.RoleBinding] {
			return func(ctx context.Context, o metav1.ListOptions) ([]rbacv1.RoleBinding, string, error) {
				list, err := l.client.RbacV1().RoleBindings(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		func(o *rbacv1.RoleBinding) (inventory.RoleBinding, bool) {
			trim(&o.ObjectMeta)
			o.TypeMeta = rbacTypeMeta("RoleBinding")
			return inventory.RoleBinding{RoleBinding: *o, Source: uri("RoleBinding", o.Namespace, o.Name)}, true
		})
}

func (l *loader) listServiceAccounts(ctx context.Context) {
	l.inv.ServiceAccounts = listEach(ctx, l, permission("serviceaccounts", "list"), true,
		func(ns string) pageFunc[corev1.ServiceAccount] {
			return func(ctx context.Context, o metav1.ListOptions) ([]corev1.ServiceAccount, string, error) {
				list, err := l.client.CoreV1().ServiceAccounts(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		func(o *corev1.ServiceAccount) (inventory.ServiceAccount, bool) {
			return inventory.ServiceAccount{
				Namespace:      o.Namespace,
				Name:           o.Name,
				AutomountToken: o.AutomountServiceAccountToken,
				Source:         uri("ServiceAccount", o.Namespace, o.Name),
			}, true
		})
}

// nodeInfo is the part of a Node that target selection reads.
type nodeInfo struct {
	name      string
	labels    map[string]string
	addresses []corev1.NodeAddress
	port      int32
}

func (l *loader) listNodes(ctx context.Context) {
	l.nodes = listEach(ctx, l, permission("nodes", "list"), false,
		func(string) pageFunc[corev1.Node] {
			return func(ctx context.Context, o metav1.ListOptions) ([]corev1.Node, string, error) {
				list, err := l.client.CoreV1().Nodes().List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		func(o *corev1.Node) (nodeInfo, bool) {
			return nodeInfo{name: o.Name, labels: o.Labels, addresses: o.Status.Addresses,
				port: o.Status.DaemonEndpoints.KubeletEndpoint.Port}, true
		})
}

// nodeObjects rebuilds minimal Nodes for Targets.
func nodeObjects(infos []nodeInfo) []corev1.Node {
	out := make([]corev1.Node, len(infos))
	for i, n := range infos {
		out[i].Name, out[i].Labels = n.name, n.labels
		out[i].Status.Addresses = n.addresses
		out[i].Status.DaemonEndpoints.KubeletEndpoint.Port = n.port
	}
	return out
}

func (l *loader) listPods(ctx context.Context) {
	l.pods = listEach(ctx, l, permission("pods", "list"), true,
		func(ns string) pageFunc[corev1.Pod] {
			return func(ctx context.Context, o metav1.ListOptions) ([]corev1.Pod, string, error) {
				o.FieldSelector = podsNotFinished
				list, err := l.client.CoreV1().Pods(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		podOf)
}

func (l *loader) listReplicaSets(ctx context.Context) {
	rsets := listEach(ctx, l, permission("replicasets", "list"), true,
		func(ns string) pageFunc[appsv1.ReplicaSet] {
			return func(ctx context.Context, o metav1.ListOptions) ([]appsv1.ReplicaSet, string, error) {
				list, err := l.client.AppsV1().ReplicaSets(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		func(o *appsv1.ReplicaSet) (ownerInfo, bool) { return ownerOf(&o.ObjectMeta), true })
	l.rsets = indexOwners(rsets)
}

func (l *loader) listJobs(ctx context.Context) {
	jobs := listEach(ctx, l, permission("jobs", "list"), true,
		func(ns string) pageFunc[batchv1.Job] {
			return func(ctx context.Context, o metav1.ListOptions) ([]batchv1.Job, string, error) {
				list, err := l.client.BatchV1().Jobs(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return list.Items, list.Continue, nil
			}
		},
		func(o *batchv1.Job) (ownerInfo, bool) { return ownerOf(&o.ObjectMeta), true })
	l.jobs = indexOwners(jobs)
}
