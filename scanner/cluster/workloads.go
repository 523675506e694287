package cluster

import (
	"cmp"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// podInfo is the part of a running Pod that workload attribution reads.
type podInfo struct {
	namespace, name string
	serviceAccount  string
	automount       bool
	annotations     map[string]string
	// controller is the pod's controller owner reference (nil = none).
	controller *metav1.OwnerReference
}

// ownerInfo is an intermediate controller (ReplicaSet, Job) on the way to
// the top owner.
type ownerInfo struct {
	namespace, name string
	controller      *metav1.OwnerReference
	// annotations: the Deployment controller copies a Deployment's
	// annotations onto its ReplicaSets, so suppressions set there are seen.
	annotations map[string]string
}

// podOf keeps what attribution needs from a pod that has not finished.
func podOf(p *corev1.Pod) (podInfo, bool) {
	if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return podInfo{}, false
	}
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = p.Spec.DeprecatedServiceAccount //nolint:staticcheck // still honoured by the API server
	}
	if sa == "" {
		sa = "default"
	}
	trim(&p.ObjectMeta)
	return podInfo{
		namespace:      p.Namespace,
		name:           p.Name,
		serviceAccount: sa,
		automount:      p.Spec.AutomountServiceAccountToken == nil || *p.Spec.AutomountServiceAccountToken,
		annotations:    p.Annotations,
		controller:     controllerOf(&p.ObjectMeta),
	}, true
}

// ownerOf keeps a ReplicaSet's or Job's controller reference and annotations.
func ownerOf(m *metav1.ObjectMeta) ownerInfo {
	trim(m)
	return ownerInfo{namespace: m.Namespace, name: m.Name, controller: controllerOf(m), annotations: m.Annotations}
}

func controllerOf(m *metav1.ObjectMeta) *metav1.OwnerReference {
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil {
		c := *ref
		return &c
	}
	return nil
}

// indexOwners maps "namespace/name" to the owner info.
func indexOwners(owners []ownerInfo) map[string]ownerInfo {
	idx := make(map[string]ownerInfo, len(owners))
	for _, o := range owners {
		idx[o.namespace+"/"+o.name] = o
	}
	return idx
}

// workloadKey identifies one inventory workload. The ServiceAccount is part
// of it: during a rollout that changes it, both identities really run.
type workloadKey struct{ kind, namespace, name, serviceAccount string }

// attribute turns running pods into one workload per top owner (Pod ->
// ReplicaSet -> Deployment, Pod -> Job -> CronJob, Pod -> DaemonSet /
// StatefulSet / any other controller; pods without one are kind Pod) using
// only the listed ReplicaSets and Jobs. A workload mounts a token when any
// of its pods does.
func attribute(pods []podInfo, rsets, jobs map[string]ownerInfo) []inventory.Workload {
	index := map[workloadKey]int{}
	var out []inventory.Workload
	for i := range pods {
		p := &pods[i]
		kind, name, ann := topOwner(p, rsets, jobs)
		key := workloadKey{kind, p.namespace, name, p.serviceAccount}
		if j, ok := index[key]; ok {
			out[j].AutomountToken = out[j].AutomountToken || p.automount
			continue
		}
		index[key] = len(out)
		out = append(out, inventory.Workload{
			Kind: kind, Namespace: p.namespace, Name: name,
			ServiceAccount: p.serviceAccount, AutomountToken: p.automount,
			Annotations: ann, Source: uri(kind, p.namespace, name),
		})
	}
	slices.SortFunc(out, func(a, b inventory.Workload) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Name, b.Name), cmp.Compare(a.ServiceAccount, b.ServiceAccount))
	})
	return out
}

// topOwner follows the pod's controller chain one step further through a
// listed ReplicaSet or Job. When the intermediate object was not listed
// (forbidden, or deleted meanwhile) the pod is attributed to it instead.
func topOwner(p *podInfo, rsets, jobs map[string]ownerInfo) (kind, name string, annotations map[string]string) {
	ref := p.controller
	// Mirror pods of static manifests are "controlled" by their Node.
	if ref == nil || (ref.Kind == "Node" && groupOf(ref) == "") {
		return "Pod", p.name, p.annotations
	}
	var parents map[string]ownerInfo
	switch {
	case ref.Kind == "ReplicaSet" && groupOf(ref) == "apps":
		parents = rsets
	case ref.Kind == "Job" && groupOf(ref) == "batch":
		parents = jobs
	}
	if parent, ok := parents[p.namespace+"/"+ref.Name]; ok && parent.controller != nil {
		return parent.controller.Kind, parent.controller.Name, merge(p.annotations, parent.annotations)
	}
	return ref.Kind, ref.Name, p.annotations
}

func groupOf(ref *metav1.OwnerReference) string {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return ref.APIVersion
	}
	return gv.Group
}

// merge returns pod annotations overlaid with the owner's (the owner's
// metadata is closer to what a user annotates).
func merge(pod, owner map[string]string) map[string]string {
	if len(owner) == 0 {
		return pod
	}
	out := maps.Clone(pod)
	if out == nil {
		out = make(map[string]string, len(owner))
	}
	maps.Copy(out, owner)
	return out
}
