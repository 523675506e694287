// Package deploy_test checks the in-cluster manifests against the scanner's
// own permission table (scanner/cluster.RequiredPermissions): least
// privilege, no node subresource, no write verb, a hardened pod, and a
// README table generated from the same source.
package deploy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubelet-audit/kubelet-audit/scanner/cluster"
)

// objects holds every document of deploy/*.yaml, decoded strictly.
type objects struct {
	clusterRoles map[string]rbacv1.ClusterRole
	bindings     map[string]rbacv1.ClusterRoleBinding
	cronJobs     []batchv1.CronJob
	serviceAccts map[string]corev1.ServiceAccount
	namespaces   map[string]corev1.Namespace
	pvcs         map[string]corev1.PersistentVolumeClaim
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

func load(t *testing.T) objects {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no deploy manifests: %v", err)
	}
	o := objects{clusterRoles: map[string]rbacv1.ClusterRole{}, bindings: map[string]rbacv1.ClusterRoleBinding{},
		serviceAccts: map[string]corev1.ServiceAccount{}, namespaces: map[string]corev1.Namespace{},
		pvcs: map[string]corev1.PersistentVolumeClaim{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range docSeparator.Split(string(b), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			if err := o.add([]byte(doc)); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
		}
	}
	return o
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// add decodes one document into its k8s.io/api type, rejecting unknown fields.
func (o *objects) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	switch tm.Kind {
	case "ClusterRole":
		var v rbacv1.ClusterRole
		return decode(doc, &v, func() { o.clusterRoles[v.Name] = v })
	case "ClusterRoleBinding":
		var v rbacv1.ClusterRoleBinding
		return decode(doc, &v, func() { o.bindings[v.Name] = v })
	case "CronJob":
		var v batchv1.CronJob
		return decode(doc, &v, func() { o.cronJobs = append(o.cronJobs, v) })
	case "ServiceAccount":
		var v corev1.ServiceAccount
		return decode(doc, &v, func() { o.serviceAccts[v.Namespace+"/"+v.Name] = v })
	case "Namespace":
		var v corev1.Namespace
		return decode(doc, &v, func() { o.namespaces[v.Name] = v })
	case "PersistentVolumeClaim":
		var v corev1.PersistentVolumeClaim
		return decode(doc, &v, func() { o.pvcs[v.Namespace+"/"+v.Name] = v })
	}
	return &unexpectedKind{tm.Kind}
}

type unexpectedKind struct{ kind string }

func (e *unexpectedKind) Error() string { return "unexpected kind " + e.kind + " (add it to the test)" }

func decode[T any](doc []byte, v *T, keep func()) error {
	if err := yaml.UnmarshalStrict(doc, v); err != nil {
		return err
	}
	keep()
	return nil
}

// grants flattens a role into sorted "verb group/resource" strings.
func grants(t *testing.T, role rbacv1.ClusterRole) []string {
	t.Helper()
	var out []string
	for _, r := range role.Rules {
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
			t.Errorf("ClusterRole %s: nonResourceURLs/resourceNames not expected: %+v", role.Name, r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out = append(out, v+" "+g+"/"+res)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func permissionGrants(feature string) []string {
	var out []string
	for _, p := range cluster.PermissionsFor(feature) {
		out = append(out, p.Verb+" "+p.Group+"/"+p.Resource)
	}
	slices.Sort(out)
	return out
}

func TestScannerRoleIsLeastPrivilege(t *testing.T) {
	o := load(t)
	role, ok := o.clusterRoles["kubelet-audit"]
	if !ok {
		t.Fatal("no ClusterRole kubelet-audit")
	}
	got := grants(t, role)
	for _, g := range got {
		verb, resource, _ := strings.Cut(g, " ")
		if verb != "list" && verb != "get" {
			t.Errorf("scanner role grants %q: only list/get allowed", g)
		}
		if strings.Contains(resource, "/nodes/") || strings.Contains(resource, "*") {
			t.Errorf("scanner role grants %q: no node subresource or wildcard", g)
		}
	}
	if want := permissionGrants(cluster.FeatureScan); !reflect.DeepEqual(got, want) {
		t.Errorf("scanner role grants\n %v\nLoad lists\n %v", got, want)
	}
}

func TestOptionalRoles(t *testing.T) {
	o := load(t)
	for name, feature := range map[string]string{"kubelet-audit-verify": cluster.FeatureVerify, "kubelet-audit-configz": cluster.FeatureConfigz} {
		role, ok := o.clusterRoles[name]
		if !ok {
			t.Errorf("no ClusterRole %s", name)
			continue
		}
		if got, want := grants(t, role), permissionGrants(feature); !reflect.DeepEqual(got, want) {
			t.Errorf("%s grants %v, want %v", name, got, want)
		}
	}
	// Only the configz role may name a node subresource, and it sits in its
	// own file with a warning.
	for name, role := range o.clusterRoles {
		for _, g := range grants(t, role) {
			if strings.Contains(g, "/nodes/") && name != "kubelet-audit-configz" {
				t.Errorf("%s grants %s", name, g)
			}
		}
	}
	b, err := os.ReadFile("rbac-configz.yaml")
	if err != nil || !bytes.Contains(b, []byte("WARNING: THIS GRANTS get nodes/proxy")) {
		t.Errorf("rbac-configz.yaml must carry the loud warning (%v)", err)
	}
	if cj, _ := os.ReadFile("cronjob.yaml"); bytes.Contains(cj, []byte("nodes/proxy\"]")) {
		t.Error("cronjob.yaml must not grant nodes/proxy")
	}
}

func TestBindingsPointAtTheScanner(t *testing.T) {
	o := load(t)
	if len(o.bindings) != 3 {
		t.Errorf("%d ClusterRoleBindings, want one per role", len(o.bindings))
	}
	for name, b := range o.bindings {
		if _, ok := o.clusterRoles[b.RoleRef.Name]; !ok || b.RoleRef.Kind != "ClusterRole" {
			t.Errorf("binding %s refers to missing %s %s", name, b.RoleRef.Kind, b.RoleRef.Name)
		}
		want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "kubelet-audit", Namespace: "kubelet-audit"}}
		if !reflect.DeepEqual(b.Subjects, want) {
			t.Errorf("binding %s subjects %+v", name, b.Subjects)
		}
	}
	if _, ok := o.serviceAccts["kubelet-audit/kubelet-audit"]; !ok {
		t.Error("no ServiceAccount kubelet-audit/kubelet-audit")
	}
	if ns, ok := o.namespaces["kubelet-audit"]; !ok || ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace kubelet-audit with Pod Security restricted: %+v", ns)
	}
}

func TestCronJobIsHardened(t *testing.T) {
	o := load(t)
	if len(o.cronJobs) != 1 {
		t.Fatalf("%d CronJobs, want 1", len(o.cronJobs))
	}
	cj := o.cronJobs[0]
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if cj.Namespace != "kubelet-audit" || pod.ServiceAccountName != "kubelet-audit" {
		t.Errorf("namespace %q serviceAccount %q", cj.Namespace, pod.ServiceAccountName)
	}
	if pod.AutomountServiceAccountToken == nil || !*pod.AutomountServiceAccountToken {
		t.Error("the scanner needs its token: automountServiceAccountToken must be true")
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("no host namespaces")
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil ||
		psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v", psc)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
		sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
		(sc.Privileged != nil && *sc.Privileged) {
		t.Errorf("container securityContext %+v", sc)
	}
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"scan --cluster", "--format json --output /reports/"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	for _, optional := range []string{"--verify", "--configz"} {
		if strings.Contains(args, optional) {
			t.Errorf("args %q: %s needs the optional ClusterRole, not applied by cronjob.yaml", args, optional)
		}
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.MountPath == "/reports"
	}
	if !mounted {
		t.Error("/reports is not mounted: the root filesystem is read-only")
	}
	if c.Resources.Limits.Memory().IsZero() {
		t.Error("no memory limit")
	}
	checkMemLimit(t, c)
}

// checkMemLimit: GOMEMLIMIT keeps the Go heap below the container's memory
// limit, with room for the rest of the process.
func checkMemLimit(t *testing.T, c corev1.Container) {
	t.Helper()
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" {
			continue
		}
		v, err := resource.ParseQuantity(strings.TrimSuffix(e.Value, "B"))
		if err != nil {
			t.Fatalf("GOMEMLIMIT %q: %v", e.Value, err)
		}
		limit := c.Resources.Limits.Memory().Value()
		if v.Value() >= limit*95/100 || v.Value() < limit*70/100 {
			t.Errorf("GOMEMLIMIT %s is not 70-95%% of limits.memory %s", e.Value, c.Resources.Limits.Memory())
		}
		return
	}
	t.Error("no GOMEMLIMIT: the Go heap may grow past the container's memory limit")
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "FROM gcr.io/distroless/static-debian12:nonroot", "USER 65532:65532", "./cmd/kubelet-audit"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// TestReadmePermissions keeps the README table generated from the table the
// scanner uses; UPDATE_DEPLOY_README=1 rewrites it.
func TestReadmePermissions(t *testing.T) {
	const begin, end = "<!-- BEGIN permissions", "<!-- END permissions -->"
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q block", begin, end)
	}
	start := i + strings.Index(s[i:], "\n") + 1
	want := cluster.PermissionsMarkdown()
	if s[start:j] == want {
		return
	}
	if os.Getenv("UPDATE_DEPLOY_README") != "" {
		if err := os.WriteFile("README.md", []byte(s[:start]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md permission table is stale; rerun with UPDATE_DEPLOY_README=1\n got:\n%s\nwant:\n%s", s[start:j], want)
}
