package rbac

import (
	_ "embed" // bootstrap.yaml
	"fmt"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

//go:generate go run ../../hack/genbootstrap -out bootstrap.yaml

// bootstrapYAML is the Kubernetes bootstrap RBAC policy (default cluster
// roles and bindings plus the controller roles), generated from the golden
// files of k8s.io/kubernetes by hack/genbootstrap.
//
//go:embed bootstrap.yaml
var bootstrapYAML []byte

// bootstrapPolicy is the decoded bootstrap data and indexes over it.
type bootstrapPolicy struct {
	KubernetesVersion   string                      `json:"kubernetesVersion"`
	ClusterRoles        []rbacv1.ClusterRole        `json:"clusterRoles"`
	ClusterRoleBindings []rbacv1.ClusterRoleBinding `json:"clusterRoleBindings"`

	roleNames    map[string]bool
	bindingRoles map[string]string // binding name -> ClusterRole name
	// serviceAccounts are kube-system ServiceAccounts bootstrap bindings bind.
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
	b.bindingRoles = map[string]string{}
	b.serviceAccounts = map[string]bool{}
	for _, crb := range b.ClusterRoleBindings {
		b.bindingRoles[crb.Name] = crb.RoleRef.Name
		for _, s := range crb.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "kube-system" {
				b.serviceAccounts[s.Name] = true
			}
		}
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
	roles := make([]rbacv1.ClusterRole, len(b.ClusterRoles))
	for i := range b.ClusterRoles {
		b.ClusterRoles[i].DeepCopyInto(&roles[i])
	}
	bindings := make([]rbacv1.ClusterRoleBinding, len(b.ClusterRoleBindings))
	for i := range b.ClusterRoleBindings {
		b.ClusterRoleBindings[i].DeepCopyInto(&bindings[i])
	}
	return roles, bindings
}

// isBootstrapRole reports whether name is a ClusterRole of the bootstrap policy.
func isBootstrapRole(name string) bool { return bootstrap().roleNames[name] }

// isBootstrapBinding reports whether a ClusterRoleBinding of this name and
// role is one the API server creates at start.
func isBootstrapBinding(name, role string) bool {
	r, ok := bootstrap().bindingRoles[name]
	return ok && r == role
}
