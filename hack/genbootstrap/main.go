// Command genbootstrap writes the Kubernetes bootstrap RBAC policy (the
// ClusterRoles, ClusterRoleBindings and kube-system/kube-public Roles and
// RoleBindings every API server creates at start) as
// data that scanner/rbac embeds. It reads the golden YAML files that ship in
// the k8s.io/kubernetes module, so the main module never imports
// k8s.io/kubernetes:
//
//	go run ./hack/genbootstrap -out scanner/rbac/bootstrap.yaml
//
// The output is deterministic: objects sorted by name, fields in struct order.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// goldenDir is where the bootstrap policy fixtures live in k8s.io/kubernetes.
const goldenDir = "plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata"

// Golden files: the default cluster policy plus the controller roles
// (system:controller:*), and the namespaced bootstrap Roles and
// RoleBindings (kube-system, kube-public).
var (
	roleFiles      = []string{"cluster-roles.yaml", "controller-roles.yaml"}
	bindingFiles   = []string{"cluster-role-bindings.yaml", "controller-role-bindings.yaml"}
	nsRoleFile     = "namespace-roles.yaml"
	nsBindingsFile = "namespace-role-bindings.yaml"
)

// Bootstrap is the generated document; scanner/rbac decodes the same shape.
type Bootstrap struct {
	KubernetesVersion   string                      `json:"kubernetesVersion"`
	ClusterRoles        []rbacv1.ClusterRole        `json:"clusterRoles"`
	ClusterRoleBindings []rbacv1.ClusterRoleBinding `json:"clusterRoleBindings"`
	Roles               []rbacv1.Role               `json:"roles"`
	RoleBindings        []rbacv1.RoleBinding        `json:"roleBindings"`
}

func main() {
	version := flag.String("version", "v1.37.2", "k8s.io/kubernetes module version to read")
	dir := flag.String("dir", "", "k8s.io/kubernetes module directory (default: go mod download)")
	out := flag.String("out", "bootstrap.yaml", "output file")
	flag.Parse()
	if err := run(*version, *dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genbootstrap:", err)
		os.Exit(1)
	}
}

func run(version, dir, out string) error {
	if dir == "" {
		d, err := moduleDir(version)
		if err != nil {
			return err
		}
		dir = d
	}
	b := Bootstrap{KubernetesVersion: version}
	for _, f := range roleFiles {
		var l struct {
			metav1.TypeMeta `json:",inline"`
			metav1.ListMeta `json:"metadata"`
			Items           []rbacv1.ClusterRole `json:"items"`
		}
		if err := readList(filepath.Join(dir, goldenDir, f), &l); err != nil {
			return err
		}
		b.ClusterRoles = append(b.ClusterRoles, l.Items...)
	}
	for _, f := range bindingFiles {
		var l struct {
			metav1.TypeMeta `json:",inline"`
			metav1.ListMeta `json:"metadata"`
			Items           []rbacv1.ClusterRoleBinding `json:"items"`
		}
		if err := readList(filepath.Join(dir, goldenDir, f), &l); err != nil {
			return err
		}
		b.ClusterRoleBindings = append(b.ClusterRoleBindings, l.Items...)
	}
	if err := readNamespaced(dir, &b); err != nil {
		return err
	}
	sort.Slice(b.ClusterRoles, func(i, j int) bool { return b.ClusterRoles[i].Name < b.ClusterRoles[j].Name })
	sort.Slice(b.ClusterRoleBindings, func(i, j int) bool {
		return b.ClusterRoleBindings[i].Name < b.ClusterRoleBindings[j].Name
	})
	sort.Slice(b.Roles, func(i, j int) bool { return nsLess(b.Roles[i].ObjectMeta, b.Roles[j].ObjectMeta) })
	sort.Slice(b.RoleBindings, func(i, j int) bool { return nsLess(b.RoleBindings[i].ObjectMeta, b.RoleBindings[j].ObjectMeta) })
	data, err := render(b)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

func readNamespaced(dir string, b *Bootstrap) error {
	var roles struct {
		metav1.TypeMeta `json:",inline"`
		metav1.ListMeta `json:"metadata"`
		Items           []rbacv1.Role `json:"items"`
	}
	if err := readList(filepath.Join(dir, goldenDir, nsRoleFile), &roles); err != nil {
		return err
	}
	var bindings struct {
		metav1.TypeMeta `json:",inline"`
		metav1.ListMeta `json:"metadata"`
		Items           []rbacv1.RoleBinding `json:"items"`
	}
	if err := readList(filepath.Join(dir, goldenDir, nsBindingsFile), &bindings); err != nil {
		return err
	}
	b.Roles, b.RoleBindings = roles.Items, bindings.Items
	return nil
}

func nsLess(a, b metav1.ObjectMeta) bool {
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// moduleDir downloads k8s.io/kubernetes@version into the module cache and
// returns its directory.
func moduleDir(version string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", "k8s.io/kubernetes@"+version)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download k8s.io/kubernetes@%s: %w", version, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(raw, &info); err != nil {
		return "", fmt.Errorf("go mod download output: %w", err)
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download k8s.io/kubernetes@%s: %s", version, info.Error)
	}
	return info.Dir, nil
}

func readList(path string, into any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read golden file: %w", err)
	}
	if err := yaml.UnmarshalStrict(raw, into); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// render encodes b as YAML under a generated-code header. The TypeMeta of
// each item is dropped by the typed decoding, so it is set again here.
func render(b Bootstrap) ([]byte, error) {
	for i := range b.ClusterRoles {
		b.ClusterRoles[i].APIVersion, b.ClusterRoles[i].Kind = rbacv1.SchemeGroupVersion.String(), "ClusterRole"
	}
	for i := range b.ClusterRoleBindings {
		b.ClusterRoleBindings[i].APIVersion, b.ClusterRoleBindings[i].Kind = rbacv1.SchemeGroupVersion.String(), "ClusterRoleBinding"
	}
	for i := range b.Roles {
		b.Roles[i].APIVersion, b.Roles[i].Kind = rbacv1.SchemeGroupVersion.String(), "Role"
	}
	for i := range b.RoleBindings {
		b.RoleBindings[i].APIVersion, b.RoleBindings[i].Kind = rbacv1.SchemeGroupVersion.String(), "RoleBinding"
	}
	body, err := yaml.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode bootstrap policy: %w", err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Code generated by hack/genbootstrap from k8s.io/kubernetes@%s %s; DO NOT EDIT.\n", b.KubernetesVersion, goldenDir)
	buf.Write(body)
	return buf.Bytes(), nil
}
