// Package inventory is the object model shared by the manifest loader, the
// live-cluster loader and the RBAC resolver: the RBAC objects and workloads of
// one scan, each with where it came from.
package inventory

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// Source says where an object came from: a manifest file and the line its
// document (or List item) starts on, or a live object's k8s:// URI.
type Source = finding.Location

// ClusterRole is a ClusterRole with its source. RuleLines[i] is the line of
// Rules[i] in the manifest (0 when unknown, e.g. live objects).
type ClusterRole struct {
	rbacv1.ClusterRole
	Source    Source
	RuleLines []int
	// Builtin marks a role taken from the Kubernetes bootstrap policy because
	// the input referenced it without defining it.
	Builtin bool
}

// Role is a namespaced Role with its source and rule lines.
type Role struct {
	rbacv1.Role
	Source    Source
	RuleLines []int
}

// ClusterRoleBinding is a ClusterRoleBinding with its source.
type ClusterRoleBinding struct {
	rbacv1.ClusterRoleBinding
	Source Source
	// Builtin marks a bootstrap binding (e.g. cluster-admin to system:masters).
	Builtin bool
}

// RoleBinding is a RoleBinding with its source.
type RoleBinding struct {
	rbacv1.RoleBinding
	Source Source
}

// Workload is anything that runs pods under a ServiceAccount: Pod,
// Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob (or, live, the
// top owner of a running pod).
type Workload struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// ServiceAccount is the effective name: spec serviceAccountName, else the
	// deprecated serviceAccount field, else "default".
	ServiceAccount string `json:"serviceAccount"`
	// AutomountToken is false when the pod template sets
	// automountServiceAccountToken: false (the pod holds no token).
	AutomountToken bool              `json:"automountToken"`
	Annotations    map[string]string `json:"-"`
	Source         Source            `json:"location"`
}

// ServiceAccount is a ServiceAccount object seen in the input.
type ServiceAccount struct {
	Namespace string
	Name      string
	// AutomountToken mirrors automountServiceAccountToken (nil = default true).
	AutomountToken *bool
	Source         Source
}

// RawObject is a document of a kind another collector parses
// (KubeletConfiguration), kept as JSON with its source.
type RawObject struct {
	APIVersion string
	Kind       string
	JSON       []byte
	Source     Source
}

// Inventory holds every object of one scan.
type Inventory struct {
	ClusterRoles        []ClusterRole
	Roles               []Role
	ClusterRoleBindings []ClusterRoleBinding
	RoleBindings        []RoleBinding
	Workloads           []Workload
	ServiceAccounts     []ServiceAccount
	// KubeletConfigs are KubeletConfiguration documents found among manifests.
	KubeletConfigs []RawObject
}

// Len is the number of objects held.
func (inv *Inventory) Len() int {
	return len(inv.ClusterRoles) + len(inv.Roles) + len(inv.ClusterRoleBindings) +
		len(inv.RoleBindings) + len(inv.Workloads) + len(inv.ServiceAccounts)
}

// Merge appends other's objects to inv. Where inv holds no objects of a
// kind it takes other's slice itself instead of a copy (tens of MB for a
// large cluster): inv and other then share those objects, so other is not
// to be used afterwards. The taken slices are clipped, so appending to
// either inventory never writes into the other.
func (inv *Inventory) Merge(other *Inventory) {
	inv.ClusterRoles = merge(inv.ClusterRoles, other.ClusterRoles)
	inv.Roles = merge(inv.Roles, other.Roles)
	inv.ClusterRoleBindings = merge(inv.ClusterRoleBindings, other.ClusterRoleBindings)
	inv.RoleBindings = merge(inv.RoleBindings, other.RoleBindings)
	inv.Workloads = merge(inv.Workloads, other.Workloads)
	inv.ServiceAccounts = merge(inv.ServiceAccounts, other.ServiceAccounts)
	inv.KubeletConfigs = merge(inv.KubeletConfigs, other.KubeletConfigs)
}

// merge appends b to a, or returns b (clipped) when a is empty.
func merge[T any](a, b []T) []T {
	if len(a) == 0 && len(b) > 0 {
		return b[:len(b):len(b)]
	}
	return append(a, b...)
}
