// Package facts is the versioned input document that Go collectors fill and
// Rego policies read (`input` in every rule). Field names are a public
// contract for user policies; README "Policy input schema" documents them.
// Add fields freely; never rename or remove one without bumping SchemaVersion.
package facts

import (
	"slices"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// SchemaVersion of the input document.
const SchemaVersion = "kubelet-audit/facts/v1"

// Location is where an object, rule or endpoint is (file:line or k8s:// URI).
type Location = finding.Location

// Document is the whole policy input of one scan.
type Document struct {
	SchemaVersion string `json:"schemaVersion"`
	// Mode is "manifests", "cluster", "probe" or "kubelet-config".
	Mode string `json:"mode"`
	// Subjects holds every RBAC subject that has node access, ineffective
	// node grants or an escalation path, plus every subject bound anywhere
	// with its workloads (Grants may be empty).
	Subjects []Subject `json:"subjects"`
	// Roles holds every role (defined or built-in and referenced).
	Roles []Role `json:"roles"`
	// Bindings holds every (Cluster)RoleBinding.
	Bindings []Binding `json:"bindings"`
	// Kubelets holds one probe result per kubelet target.
	Kubelets []Kubelet `json:"kubelets"`
	// KubeletConfigs holds each audited KubeletConfiguration (file or /configz).
	KubeletConfigs []KubeletConfig `json:"kubeletConfigs"`
	// Verifications holds SubjectAccessReview cross-checks (live --verify).
	Verifications []Verification `json:"verifications"`
}

// New returns an empty document with non-nil slices, so Rego sees [] not null.
func New(mode string) *Document {
	return &Document{
		SchemaVersion:  SchemaVersion,
		Mode:           mode,
		Subjects:       []Subject{},
		Roles:          []Role{},
		Bindings:       []Binding{},
		Kubelets:       []Kubelet{},
		KubeletConfigs: []KubeletConfig{},
		Verifications:  []Verification{},
	}
}

// Ref points at a Kubernetes object.
type Ref struct {
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace,omitempty"`
	Name      string   `json:"name"`
	Location  Location `json:"location"`
	// Annotations carries kubelet-audit.io/* annotations (suppression).
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Verification is one SubjectAccessReview cross-check: what the resolver
// said versus what the API server answered.
type Verification struct {
	Subject     string `json:"subject"`
	Subresource string `json:"subresource"`
	Verb        string `json:"verb"`
	Resolver    bool   `json:"resolver"`
	APIServer   bool   `json:"apiServer"`
	Reason      string `json:"reason,omitempty"`
	Error       string `json:"error,omitempty"`
}

// PolicyView returns the document the policies are evaluated on: the same
// facts without the entries no rule can act on — subjects with no node
// grant, ineffective grant or escalation, roles that carry no node access,
// look-alike, aggregation or drift, and bindings whose role exists and that
// do not bind node permissions through a RoleBinding. On large
// clusters that is most of the document, and handing it to Rego only costs
// conversion time and memory. The full document still feeds reports and
// who-can. README "Policy input schema" documents this.
func (d *Document) PolicyView() *Document {
	v := *d
	v.Subjects = filter(d.Subjects, func(s *Subject) bool {
		return len(s.Grants) > 0 || len(s.Ineffective) > 0 || len(s.Escalations) > 0
	})
	v.Roles = filter(d.Roles, func(r *Role) bool {
		return len(r.NodeAccess) > 0 || len(r.Ineffective) > 0 || len(r.AggregatesInto) > 0 || len(r.AggregationDrift) > 0
	})
	// The resolver carves every role's BoundBy out of one array: a kept
	// role would hold all of it (25 MB at 100,000 roles) through the
	// evaluation, so kept roles get their own copies.
	for i := range v.Roles {
		v.Roles[i].BoundBy = slices.Clone(v.Roles[i].BoundBy)
	}
	v.Bindings = filter(d.Bindings, func(b *Binding) bool {
		return !b.RoleFound || b.HasIneffective(IneffectiveRoleBinding)
	})
	return &v
}

// filter keeps the elements for which keep is true, in order; never nil.
// It counts them first: growing the copy as it goes moved every kept
// subject several times (57,000 of them at 100,000 roles).
func filter[T any](xs []T, keep func(*T) bool) []T {
	n := 0
	for i := range xs {
		if keep(&xs[i]) {
			n++
		}
	}
	out := make([]T, 0, n)
	for i := range xs {
		if keep(&xs[i]) {
			out = append(out, xs[i])
		}
	}
	return out
}
