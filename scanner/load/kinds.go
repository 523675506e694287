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

// rbacAPIVersion is what RBAC objects of every accepted version are labelled.
var rbacAPIVersion = rbacv1.SchemeGroupVersion.String()

// Objects are decoded in place into the file's chains (push) and taken
// back (pop) when they fail.

func (l *loader) clusterRole(o object) {
	if !l.rbacAPIVersionOK(o) {
		return
	}
	r := l.objs.clusterRoles.push()
	if _, ok := l.decode(o, &r.ClusterRole); !ok {
		l.objs.clusterRoles.pop()
		return
	}
	r.APIVersion = rbacAPIVersion
	r.Source, r.RuleLines = o.source(), l.ruleLines(o, len(r.Rules))
}

func (l *loader) role(o object) {
	if !l.rbacAPIVersionOK(o) {
		return
	}
	r := l.objs.roles.push()
	if _, ok := l.decode(o, &r.Role); !ok {
		l.objs.roles.pop()
		return
	}
	r.APIVersion = rbacAPIVersion
	defaultNS(&r.ObjectMeta)
	r.Source, r.RuleLines = o.source(), l.ruleLines(o, len(r.Rules))
}

func (l *loader) clusterRoleBinding(o object) {
	if !l.rbacAPIVersionOK(o) {
		return
	}
	b := l.objs.clusterRoleBindings.push()
	if _, ok := l.decode(o, &b.ClusterRoleBinding); !ok {
		l.objs.clusterRoleBindings.pop()
		return
	}
	b.APIVersion = rbacAPIVersion
	b.Source = o.source()
}

func (l *loader) roleBinding(o object) {
	if !l.rbacAPIVersionOK(o) {
		return
	}
	b := l.objs.roleBindings.push()
	if _, ok := l.decode(o, &b.RoleBinding); !ok {
		l.objs.roleBindings.pop()
		return
	}
	b.APIVersion = rbacAPIVersion
	defaultNS(&b.ObjectMeta)
	b.Source = o.source()
}

func (l *loader) serviceAccount(o object) {
	if o.apiVersion != "v1" {
		l.res.Ignored++
		return
	}
	if l.templated(o) {
		return
	}
	sa := &l.buf.scratch.serviceAccount
	*sa = corev1.ServiceAccount{}
	if _, ok := l.decode(o, sa); !ok {
		return
	}
	defaultNS(&sa.ObjectMeta)
	*l.objs.serviceAccounts.push() = inventory.ServiceAccount{
		Namespace: sa.Namespace, Name: sa.Name, AutomountToken: sa.AutomountServiceAccountToken, Source: o.source(),
	}
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
	*l.objs.workloads.push() = inventory.Workload{
		Kind: l.buf.fast.dec.intern(o.kind), Namespace: meta.Namespace, Name: meta.Name, ServiceAccount: sa,
		AutomountToken: spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken,
		Annotations:    meta.Annotations, Source: o.source(),
	}
}

// scratch holds the typed objects a worker decodes workloads and
// ServiceAccounts into: only a few fields are kept, so the (large) typed
// values are reused rather than allocated per object.
type scratch struct {
	serviceAccount corev1.ServiceAccount
	pod            corev1.Pod
	deployment     appsv1.Deployment
	daemonSet      appsv1.DaemonSet
	statefulSet    appsv1.StatefulSet
	replicaSet     appsv1.ReplicaSet
	job            batchv1.Job
	cronJob        batchv1.CronJob
}

// decodeWorkload decodes o into its (reset) scratch object and returns its
// metadata and pod spec, valid until the next object of the same kind.
func (l *loader) decodeWorkload(o object) (*metav1.ObjectMeta, *corev1.PodSpec, bool) {
	s := &l.buf.scratch
	switch o.kind {
	case "Pod":
		w, ok := decodeScratch(l, o, &s.pod)
		return &w.ObjectMeta, &w.Spec, ok
	case "Deployment":
		w, ok := decodeScratch(l, o, &s.deployment)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	case "DaemonSet":
		w, ok := decodeScratch(l, o, &s.daemonSet)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	case "StatefulSet":
		w, ok := decodeScratch(l, o, &s.statefulSet)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	case "ReplicaSet":
		w, ok := decodeScratch(l, o, &s.replicaSet)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	case "Job":
		w, ok := decodeScratch(l, o, &s.job)
		return &w.ObjectMeta, &w.Spec.Template.Spec, ok
	default: // CronJob
		w, ok := decodeScratch(l, o, &s.cronJob)
		return &w.ObjectMeta, &w.Spec.JobTemplate.Spec.Template.Spec, ok
	}
}

// decodeScratch resets a scratch value and decodes o into it.
func decodeScratch[T any](l *loader, o object, w *T) (*T, bool) {
	var zero T
	*w = zero
	_, ok := l.decode(o, w)
	return w, ok
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
