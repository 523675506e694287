package load

import (
	"bytes"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// defaultNamespace is given to namespaced objects without metadata.namespace.
const defaultNamespace = "default"

// kinds maps the kinds the audit uses to their loaders; other kinds are
// counted in Result.Ignored.
var kinds = map[string]func(*loader, object){
	"ClusterRole":          (*loader).clusterRole,
	"Role":                 (*loader).role,
	"ClusterRoleBinding":   (*loader).clusterRoleBinding,
	"RoleBinding":          (*loader).roleBinding,
	"ServiceAccount":       (*loader).serviceAccount,
	"KubeletConfiguration": (*loader).kubeletConfig,
	"Pod":                  (*loader).workload,
	"Deployment":           (*loader).workload,
	"DaemonSet":            (*loader).workload,
	"StatefulSet":          (*loader).workload,
	"ReplicaSet":           (*loader).workload,
	"Job":                  (*loader).workload,
	"CronJob":              (*loader).workload,
}

// workloadGroups are the API groups a workload kind is taken from; the same
// kind name in another group (a CRD) is ignored. Older versions of these
// groups (apps/v1beta2, extensions/v1beta1, batch/v1beta1) share the pod
// template schema and decode with the current types.
var workloadGroups = map[string][]string{
	"Pod":         {""},
	"Deployment":  {"apps", "extensions"},
	"DaemonSet":   {"apps", "extensions"},
	"StatefulSet": {"apps"},
	"ReplicaSet":  {"apps", "extensions"},
	"Job":         {"batch"},
	"CronJob":     {"batch"},
}

// rbacAPIVersionOK accepts the RBAC versions and ignores same-named kinds of
// an unrelated, domain-qualified API group (e.g. a Crossplane IAM Role);
// anything else (`v1`, `rbac.authorization.k8s.io/v2`, a typo of the RBAC
// group) is an error, since a role we cannot read could hide access.
func (l *loader) rbacAPIVersionOK(o object) bool {
	if rbacVersions[o.apiVersion] {
		return !l.templated(o)
	}
	g := group(o.apiVersion)
	if strings.Contains(g, ".") && !strings.Contains(g, "rbac") {
		l.res.Ignored++
		return false
	}
	l.fail(o.name, o.c, o.line, o.line, o.end,
		"%s: unsupported apiVersion %q for an RBAC kind (want rbac.authorization.k8s.io/v1); object skipped", o, o.apiVersion)
	return false
}

// templated reports (and records) a template marker inside the object: a
// quoted "{{ .Values.x }}" parses as YAML but is not a real name or rule.
func (l *loader) templated(o object) bool {
	if t := o.c.templateIn(o.line, o.end); t > 0 {
		l.errorf(o.name, t, "%s: %s", o, templateHint)
		return true
	}
	return false
}

func (l *loader) clusterRole(o object) {
	var r rbacv1.ClusterRole
	if !l.rbacAPIVersionOK(o) {
		return
	}
	if _, ok := l.decode(o, &r); !ok {
		return
	}
	r.APIVersion = rbacv1.SchemeGroupVersion.String()
	l.res.Inventory.ClusterRoles = append(l.res.Inventory.ClusterRoles, inventory.ClusterRole{
		ClusterRole: r, Source: o.source(), RuleLines: ruleLines(o, len(r.Rules)),
	})
}

func (l *loader) role(o object) {
	var r rbacv1.Role
	if !l.rbacAPIVersionOK(o) {
		return
	}
	if _, ok := l.decode(o, &r); !ok {
		return
	}
	r.APIVersion = rbacv1.SchemeGroupVersion.String()
	defaultNS(&r.ObjectMeta)
	l.res.Inventory.Roles = append(l.res.Inventory.Roles, inventory.Role{
		Role: r, Source: o.source(), RuleLines: ruleLines(o, len(r.Rules)),
	})
}

func (l *loader) clusterRoleBinding(o object) {
	var b rbacv1.ClusterRoleBinding
	if !l.rbacAPIVersionOK(o) {
		return
	}
	if _, ok := l.decode(o, &b); !ok {
		return
	}
	b.APIVersion = rbacv1.SchemeGroupVersion.String()
	l.res.Inventory.ClusterRoleBindings = append(l.res.Inventory.ClusterRoleBindings,
		inventory.ClusterRoleBinding{ClusterRoleBinding: b, Source: o.source()})
}

func (l *loader) roleBinding(o object) {
	var b rbacv1.RoleBinding
	if !l.rbacAPIVersionOK(o) {
		return
	}
	if _, ok := l.decode(o, &b); !ok {
		return
	}
	b.APIVersion = rbacv1.SchemeGroupVersion.String()
	defaultNS(&b.ObjectMeta)
	l.res.Inventory.RoleBindings = append(l.res.Inventory.RoleBindings,
		inventory.RoleBinding{RoleBinding: b, Source: o.source()})
}

func (l *loader) serviceAccount(o object) {
	var sa corev1.ServiceAccount
	if o.apiVersion != "v1" {
		l.res.Ignored++
		return
	}
	if l.templated(o) {
		return
	}
	if _, ok := l.decode(o, &sa); !ok {
		return
	}
	defaultNS(&sa.ObjectMeta)
	l.res.Inventory.ServiceAccounts = append(l.res.Inventory.ServiceAccounts, inventory.ServiceAccount{
		Namespace: sa.Namespace, Name: sa.Name, AutomountToken: sa.AutomountServiceAccountToken, Source: o.source(),
	})
}

// kubeletConfig keeps KubeletConfiguration documents as JSON for the kubelet
// config collector, which owns their schema.
func (l *loader) kubeletConfig(o object) {
	if group(o.apiVersion) != "kubelet.config.k8s.io" {
		l.res.Ignored++
		return
	}
	if l.templated(o) {
		return
	}
	var probe map[string]any // checks it decodes as a JSON object
	js, ok := l.decode(o, &probe)
	if !ok {
		return
	}
	l.res.Inventory.KubeletConfigs = append(l.res.Inventory.KubeletConfigs, inventory.RawObject{
		// node values may share the batch text (fastParser): copy what is kept
		APIVersion: strings.Clone(o.apiVersion), Kind: strings.Clone(o.kind), JSON: bytes.Clone(js), Source: o.source(),
	})
}

// workload records which ServiceAccount a pod-running object uses.
func (l *loader) workload(o object) {
	if !inGroups(group(o.apiVersion), workloadGroups[o.kind]) {
		l.res.Ignored++
		return
	}
	meta, spec, ok := l.decodeWorkload(o)
	if !ok {
		return
	}
	sa := spec.ServiceAccountName
	if sa == "" {
		sa = spec.DeprecatedServiceAccount
	}
	if sa == "" {
		sa = "default"
	}
	for _, s := range []string{meta.Name, meta.Namespace, sa} {
		if strings.Contains(s, "{{") || strings.Contains(s, "{%") {
			l.errorf(o.name, o.line, "%s: %s", o, templateHint)
			return
		}
	}
	defaultNS(meta)
	l.res.Inventory.Workloads = append(l.res.Inventory.Workloads, inventory.Workload{
		Kind: strings.Clone(o.kind), Namespace: meta.Namespace, Name: meta.Name, ServiceAccount: sa,
		AutomountToken: spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken,
		Annotations:    meta.Annotations, Source: o.source(),
	})
}

// decodeWorkload decodes o into its typed object and returns its metadata and pod spec.
func (l *loader) decodeWorkload(o object) (*metav1.ObjectMeta, *corev1.PodSpec, bool) {
	var ok bool
	switch o.kind {
	case "Pod":
		var w corev1.Pod
		_, ok = l.decode(o, &w)
		return &w.ObjectMeta, &w.Spec, ok
	case "Deployment":
		var w appsv1.Deployment
		_, ok = l.decode(o, &w)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	case "DaemonSet":
		var w appsv1.DaemonSet
		_, ok = l.decode(o, &w)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	case "StatefulSet":
		var w appsv1.StatefulSet
		_, ok = l.decode(o, &w)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	case "ReplicaSet":
		var w appsv1.ReplicaSet
		_, ok = l.decode(o, &w)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	case "Job":
		var w batchv1.Job
		_, ok = l.decode(o, &w)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	default: // CronJob
		var w batchv1.CronJob
		_, ok = l.decode(o, &w)
		return &w.ObjectMeta, &w.Spec.JobTemplate.Spec.Template.Spec, ok
	}
}

func inGroups(g string, groups []string) bool {
	for _, x := range groups {
		if g == x {
			return true
		}
	}
	return false
}

func defaultNS(m *metav1.ObjectMeta) {
	if m.Namespace == "" {
		m.Namespace = defaultNamespace
	}
}
