package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// exportCluster writes what `kubectl get <kind> -A -o yaml` would print for
// every kind an offline scan reads, one v1 List per file. Workloads are the
// top-level objects a manifest repository holds (no Pods or ReplicaSets).
func exportCluster(t *testing.T, dir string) error {
	t.Helper()
	ctx := context.Background()
	c := env.Client
	lists := []struct {
		file string
		gvk  schema.GroupVersionKind
		list func() (runtime.Object, error)
	}{
		{"clusterroles.yaml", gvk("rbac.authorization.k8s.io", "v1", "ClusterRole"), func() (runtime.Object, error) {
			return c.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
		}},
		{"clusterrolebindings.yaml", gvk("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"), func() (runtime.Object, error) {
			return c.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
		}},
		{"roles.yaml", gvk("rbac.authorization.k8s.io", "v1", "Role"), func() (runtime.Object, error) {
			return c.RbacV1().Roles("").List(ctx, metav1.ListOptions{})
		}},
		{"rolebindings.yaml", gvk("rbac.authorization.k8s.io", "v1", "RoleBinding"), func() (runtime.Object, error) {
			return c.RbacV1().RoleBindings("").List(ctx, metav1.ListOptions{})
		}},
		{"serviceaccounts.yaml", gvk("", "v1", "ServiceAccount"), func() (runtime.Object, error) {
			return c.CoreV1().ServiceAccounts("").List(ctx, metav1.ListOptions{})
		}},
		{"deployments.yaml", gvk("apps", "v1", "Deployment"), func() (runtime.Object, error) {
			return c.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
		}},
		{"daemonsets.yaml", gvk("apps", "v1", "DaemonSet"), func() (runtime.Object, error) {
			return c.AppsV1().DaemonSets("").List(ctx, metav1.ListOptions{})
		}},
		{"statefulsets.yaml", gvk("apps", "v1", "StatefulSet"), func() (runtime.Object, error) {
			return c.AppsV1().StatefulSets("").List(ctx, metav1.ListOptions{})
		}},
		{"cronjobs.yaml", gvk("batch", "v1", "CronJob"), func() (runtime.Object, error) {
			return c.BatchV1().CronJobs("").List(ctx, metav1.ListOptions{})
		}},
	}
	for _, l := range lists {
		obj, err := l.list()
		if err != nil {
			return fmt.Errorf("export %s: %w", l.file, err)
		}
		if err := writeList(filepath.Join(dir, l.file), obj, l.gvk); err != nil {
			return err
		}
	}
	return nil
}

func gvk(group, version, kind string) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: group, Version: version, Kind: kind}
}

// writeList renders a typed list as a v1 List with apiVersion/kind on every
// item (typed clients drop them) and without managedFields.
func writeList(path string, list runtime.Object, item schema.GroupVersionKind) error {
	data, err := runtime.DefaultUnstructuredConverter.ToUnstructured(list)
	if err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	items, _ := data["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		m["apiVersion"], m["kind"] = item.GroupVersion().String(), item.Kind
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
	}
	out, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o600)
}
