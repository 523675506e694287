package scanner

import (
	"sort"
	"strings"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// Suppression annotations on the object a finding is about.
const (
	AnnotationIgnore       = "kubelet-audit.io/ignore"
	AnnotationIgnoreReason = "kubelet-audit.io/ignore-reason"
)

// postProcess marks findings open and applies annotation suppressions, in
// place.
func (s *scan) postProcess(found []finding.Finding) []finding.Finding {
	ann := s.annotations
	for i := range found {
		f := &found[i]
		if f.Status == "" {
			f.Status = finding.StatusOpen
		}
		if len(ann) > 0 {
			applySuppression(f, ann[objectKey(f.Resource.Kind, f.Resource.Namespace, f.Resource.Name)])
		}
	}
	return found
}

// applySuppression marks f suppressed when its object's ignore annotation
// names the rule (or "all") and a reason is given. Without a reason the
// finding stays open and says why the suppression was not honoured.
func applySuppression(f *finding.Finding, annotations map[string]string) {
	ids, ok := annotations[AnnotationIgnore]
	if !ok || !listsRule(ids, f.RuleID) {
		return
	}
	reason := strings.TrimSpace(annotations[AnnotationIgnoreReason])
	if reason == "" {
		f.StatusReason = "suppression ignored: " + AnnotationIgnore + " needs a " + AnnotationIgnoreReason + " annotation"
		return
	}
	f.Status = finding.StatusSuppressed
	f.StatusReason = reason
}

func listsRule(list, id string) bool {
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if strings.EqualFold(v, id) || v == "all" {
			return true
		}
	}
	return false
}

func objectKey(kind, namespace, name string) string {
	return kind + "/" + namespace + "/" + name
}

// annotationIndex maps objects to their annotations, for suppression.
func annotationIndex(inv *inventory.Inventory) map[string]map[string]string {
	idx := map[string]map[string]string{}
	add := func(kind, ns, name string, a map[string]string) {
		if len(a) > 0 {
			idx[objectKey(kind, ns, name)] = a
		}
	}
	for _, o := range inv.ClusterRoles {
		add("ClusterRole", "", o.Name, o.Annotations)
	}
	for _, o := range inv.Roles {
		add("Role", o.Namespace, o.Name, o.Annotations)
	}
	for _, o := range inv.ClusterRoleBindings {
		add("ClusterRoleBinding", "", o.Name, o.Annotations)
	}
	for _, o := range inv.RoleBindings {
		add("RoleBinding", o.Namespace, o.Name, o.Annotations)
	}
	for _, w := range inv.Workloads {
		add(w.Kind, w.Namespace, w.Name, w.Annotations)
	}
	return idx
}

// accessEdges flattens subjects' grants into report edges.
func accessEdges(subjects []facts.Subject) []finding.Access {
	n := 0
	for i := range subjects {
		n += len(subjects[i].Grants)
	}
	// Sized up front: they are built at the scan's memory peak.
	out := make([]finding.Access, 0, n)
	for _, sub := range subjects {
		workloads := workloadNames(sub)
		for _, g := range sub.Grants {
			out = append(out, finding.Access{
				Subject: sub.ID, Subresource: g.Subresource, Verbs: g.Verbs, Nodes: g.Nodes,
				Binding: refString(g.Path.Binding), Role: refString(g.Path.Role),
				Location: g.Path.Binding.Location, Workloads: workloads,
			})
		}
	}
	// In report order, so the writers need not copy and sort them.
	sort.SliceStable(out, func(i, j int) bool { return finding.CompareAccess(&out[i], &out[j]) < 0 })
	return out
}

// refString renders Kind/namespace/name, as finding.Resource does.
func refString(r facts.Ref) string {
	return finding.Resource{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}.String()
}

// workloadNames renders the workloads that run as sub as Kind/namespace/name.
func workloadNames(sub facts.Subject) []string {
	var out []string
	for _, w := range sub.Workloads {
		out = append(out, w.Kind+"/"+w.Namespace+"/"+w.Name)
	}
	return out
}
