package rbac

import (
	_ "embed" // bootstrap.yaml
	"fmt"
	"strings"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

//go:generate go run ../../hack/genbootstrap -out bootstrap.yaml

// bootstrapYAML is the Kubernetes bootstrap RBAC policy (default cluster
// roles and bindings, the controller roles, and the namespaced roles and
// bindings of kube-system and kube-public), generated from the golden
// files of k8s.io/kubernetes by hack/genbootstrap.
//
//go:embed bootstrap.yaml
var bootstrapYAML []byte

// bootstrapPolicy is the decoded bootstrap data and indexes over it.
type bootstrapPolicy struct {
	KubernetesVersion   string                      `json:"kubernetesVersion"`
	ClusterRoles        []rbacv1.ClusterRole        `json:"clusterRoles"`
	ClusterRoleBindings []rbacv1.ClusterRoleBinding `json:"clusterRoleBindings"`
	Roles               []rbacv1.Role               `json:"roles"`
	RoleBindings        []rbacv1.RoleBinding        `json:"roleBindings"`

	roleNames    map[string]bool
	nsRoleNames  map[[2]string]bool
	bindingRoles map[[2]string]string // namespace and name of a binding -> role name
	// serviceAccounts are kube-system ServiceAccounts bootstrap bindings
	// (cluster or kube-system namespaced) bind.
	serviceAccounts map[string]bool
}

var bootstrap = sync.OnceValue(func() *bootstrapPolicy {
	var b bootstrapPolicy
	if err := yaml.UnmarshalStrict(bootstrapYAML, &b); err != nil {
		panic(fmt.Sprintf("rbac: embedded bootstrap policy: %v", err)) // generated data: a programmer error
	}
	b.roleNames = map[string]bool{}
	for _, r := range b.ClusterRoles {
		b.roleNames[r.Name] = true
	}
	b.bindingRoles = map[[2]string]string{}
	b.serviceAccounts = map[string]bool{}
	for _, crb := range b.ClusterRoleBindings {
		b.bindingRoles[[2]string{"", crb.Name}] = crb.RoleRef.Name
		for _, s := range crb.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "kube-system" {
				b.serviceAccounts[s.Name] = true
			}
		}
	}
	for _, rb := range b.RoleBindings {
		b.bindingRoles[[2]string{rb.Namespace, rb.Name}] = rb.RoleRef.Name
		for _, s := range rb.Subjects {
			if id, _ := subjectID(s, rb.Namespace); strings.HasPrefix(id, "ServiceAccount:kube-system/") {
				b.serviceAccounts[s.Name] = true
			}
		}
	}
	b.nsRoleNames = map[[2]string]bool{}
	for _, r := range b.Roles {
		b.nsRoleNames[[2]string{r.Namespace, r.Name}] = true
	}
	return &b
})

// BootstrapVersion is the Kubernetes version the embedded bootstrap policy
// was generated from.
func BootstrapVersion() string { return bootstrap().KubernetesVersion }

// Builtins returns the bootstrap ClusterRoles and ClusterRoleBindings
// (generated data), sorted by name. The caller owns the returned copies.
func Builtins() ([]rbacv1.ClusterRole, []rbacv1.ClusterRoleBinding) {
	b := bootstrap()
	return deepCopies(b.ClusterRoles), deepCopies(b.ClusterRoleBindings)
}

// BuiltinNamespaced returns the bootstrap Roles and RoleBindings
// (kube-system, kube-public), sorted by namespace and name. The caller owns
// the returned copies.
func BuiltinNamespaced() ([]rbacv1.Role, []rbacv1.RoleBinding) {
	b := bootstrap()
	return deepCopies(b.Roles), deepCopies(b.RoleBindings)
}

// deepCopies returns deep copies of API objects, so callers cannot change
// the embedded bootstrap data.
func deepCopies[T any, P interface {
	*T
	DeepCopyInto(*T)
}](xs []T) []T {
	out := make([]T, len(xs))
	for i := range xs {
		P(&xs[i]).DeepCopyInto(&out[i])
	}
	return out
}

// isBootstrapRole reports whether name is a ClusterRole of the bootstrap
// policy, or, with a namespace, a Role of it.
func isBootstrapRole(ns, name string) bool {
	if ns != "" {
		return bootstrap().nsRoleNames[[2]string{ns, name}]
	}
	return bootstrap().roleNames[name]
}

// isBootstrapBinding reports whether a binding of this namespace ("" for a
// ClusterRoleBinding), name and role is one the API server creates at start.
func isBootstrapBinding(ns, name, role string) bool {
	r, ok := bootstrap().bindingRoles[[2]string{ns, name}]
	return ok && r == role
}
