package rbac

import (
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// Special identities (k8s.io/apiserver/pkg/authentication/user and
// serviceaccount). They are plain names to RBAC: a binding to
// system:authenticated matches because every authenticated user carries
// that group, not because of any wildcard; `User "*"` matches nobody but a
// user literally named "*".
const (
	userAnonymous        = "system:anonymous"
	groupUnauthenticated = "system:unauthenticated"
	groupAuthenticated   = "system:authenticated"
	groupAllSAs          = "system:serviceaccounts"
	groupSAPrefix        = "system:serviceaccounts:"
)

// systemUsers are expected infrastructure users with node access by
// design: control-plane components and the API server's kubelet client
// (kubeadm: kube-apiserver-kubelet-client; k3s: kube-apiserver).
var systemUsers = map[string]bool{
	"system:kube-controller-manager": true,
	"system:kube-scheduler":          true,
	"system:kube-proxy":              true,
	"system:apiserver":               true,
	"kube-apiserver-kubelet-client":  true,
	"kube-apiserver":                 true,
}

// systemGroups are cluster-admin (system:masters), the kubelets and the
// bootstrap monitoring group (the v1.37 system:monitoring role reads
// /metrics and nodes/metrics by design).
var systemGroups = map[string]bool{"system:masters": true, "system:nodes": true, "system:monitoring": true}

// subjectID returns the facts ID of a binding subject, or "" when the
// subject cannot match anyone (a ServiceAccount without a namespace in a
// ClusterRoleBinding) or has an unknown kind. bindingNS is the namespace
// of a RoleBinding ("" for a ClusterRoleBinding).
func subjectID(s rbacv1.Subject, bindingNS string) (id, ns string) {
	switch s.Kind {
	case rbacv1.UserKind, rbacv1.GroupKind:
		return s.Kind + ":" + s.Name, ""
	case rbacv1.ServiceAccountKind:
		ns = s.Namespace
		if ns == "" {
			ns = bindingNS // rule.go appliesToUser: default to the binding's namespace
		}
		if ns == "" {
			return "", ""
		}
		return s.Kind + ":" + ns + "/" + s.Name, ns
	}
	return "", ""
}

// subjectTable holds the subjects in order of first sight, with the
// escalation permissions each holds through its bindings. Entries live in
// fixed-size chunks: they never move, and a large table is not copied
// again and again as it grows.
type subjectTable struct {
	chunks [][]subjectEntry
	n      int
	// byKey finds a subject without building its ID; byID catches the
	// different keys that render to one ID, which are one subject: only
	// ServiceAccounts with a slash in namespace or name can (see slashed).
	byKey map[subjectKey]int32
	byID  map[string]int32
}

// subjectEntry is a subject and the bindings' escalation permissions it holds.
type subjectEntry struct {
	facts.Subject
	held  []*permGroup // escalation permissions held through bindings
	mask  heldMask     // the completing permissions held (see heldMask)
	parts []escPart    // what held may yield (see warmEscalations)
}

const subjectChunk = 1024

// at returns entry i.
func (t *subjectTable) at(i int32) *subjectEntry {
	return &t.chunks[i/subjectChunk][i%subjectChunk]
}

// add appends a subject and returns its index.
func (t *subjectTable) add(s facts.Subject) int32 {
	if t.n%subjectChunk == 0 {
		t.chunks = append(t.chunks, make([]subjectEntry, 0, subjectChunk))
	}
	c := &t.chunks[len(t.chunks)-1]
	*c = append(*c, subjectEntry{Subject: s})
	t.n++
	return int32(t.n - 1)
}

// subjectKey is a binding subject with its ServiceAccount namespace
// resolved: what subjectID renders.
type subjectKey struct{ kind, ns, name string }

func newSubjectTable() subjectTable {
	return subjectTable{byKey: map[subjectKey]int32{}, byID: map[string]int32{}}
}

// lookup returns the index of binding subject s (bindingNS as in
// subjectID), creating the subject on first sight, or false when s cannot
// match anyone.
func (t *subjectTable) lookup(r *resolver, s rbacv1.Subject, bindingNS string) (int32, bool) {
	k := subjectKey{kind: s.Kind, name: s.Name}
	if s.Kind == rbacv1.ServiceAccountKind {
		k.ns = s.Namespace
		if k.ns == "" {
			k.ns = bindingNS
		}
	}
	if i, ok := t.byKey[k]; ok {
		return i, true
	}
	id, ns := subjectID(s, bindingNS)
	if id == "" {
		return 0, false
	}
	i, ok := int32(0), false
	if k.slashed() {
		i, ok = t.byID[id]
	}
	if !ok {
		i = t.add(newSubject(r, s, id, ns))
		if k.slashed() {
			t.byID[id] = i
		}
	}
	t.byKey[k] = i
	return i, true
}

// slashed reports a ServiceAccount key whose ID another key can render to
// as well ("ns/name" splits at a different slash); IDs of other keys are
// theirs alone.
func (k subjectKey) slashed() bool {
	return strings.Contains(k.ns, "/") || strings.Contains(k.name, "/")
}

// sorted returns the subjects sorted by ID, each with its grants and
// ineffective grants sorted, and empties the table.
func (t *subjectTable) sorted() []facts.Subject {
	order := make([]int32, t.n)
	for i := range order {
		order[i] = int32(i)
	}
	// Subject IDs are unique, so the order is strict.
	order = sortHalves(order, func(a, b int32) int { return strings.Compare(t.at(a).ID, t.at(b).ID) })
	out := make([]facts.Subject, t.n)
	for i, k := range order {
		out[i] = t.at(k).Subject
		sortSubject(&out[i])
	}
	*t = subjectTable{}
	return out
}

// newSubject builds the identity part of a facts.Subject.
func newSubject(r *resolver, s rbacv1.Subject, id, ns string) facts.Subject {
	subj := facts.Subject{
		ID: id, Kind: s.Kind, Name: s.Name, Namespace: ns,
		Workloads: []facts.Workload{}, Grants: []facts.Grant{}, Ineffective: []facts.Ineffective{}, Escalations: []facts.Escalation{},
		EscalationPaths: []facts.EscalationPath{},
	}
	subj.Scope, subj.Broad = scopeOf(s.Kind, s.Name)
	subj.System = isSystem(s.Kind, s.Name, ns)
	switch {
	case s.Kind == rbacv1.ServiceAccountKind:
		subj.Workloads = r.workloads(ns, s.Name)
	case s.Kind == rbacv1.GroupKind && strings.HasPrefix(s.Name, groupSAPrefix):
		subj.Workloads = r.workloads(strings.TrimPrefix(s.Name, groupSAPrefix), "")
	}
	return subj
}

// scopeOf returns how many identities a subject stands for and whether
// nobody vets them one by one.
func scopeOf(kind, name string) (string, bool) {
	switch {
	case kind == rbacv1.UserKind && name == userAnonymous:
		return facts.ScopeAnonymous, true
	case kind == rbacv1.UserKind:
		return facts.ScopeUser, false
	case kind == rbacv1.ServiceAccountKind:
		return facts.ScopeServiceAccount, false
	case name == groupUnauthenticated:
		return facts.ScopeUnauthenticated, true
	case name == groupAuthenticated:
		return facts.ScopeAuthenticated, true
	case name == groupAllSAs:
		return facts.ScopeAllSAs, true
	case strings.HasPrefix(name, groupSAPrefix):
		return facts.ScopeNamespaceSAs, true
	}
	return facts.ScopeGroup, false
}

// isSystem reports expected infrastructure identities: system:masters and
// system:nodes, node users (system:node:<name>), control-plane users, and
// kube-system ServiceAccounts that bootstrap bindings bind.
func isSystem(kind, name, ns string) bool {
	switch kind {
	case rbacv1.GroupKind:
		return systemGroups[name]
	case rbacv1.UserKind:
		return systemUsers[name] || strings.HasPrefix(name, "system:node:")
	case rbacv1.ServiceAccountKind:
		return ns == "kube-system" && bootstrap().serviceAccounts[name]
	}
	return false
}

// workloadIndex maps namespace/serviceaccount, and namespace, to workloads.
// The lists are shared by the subjects they belong to (never changed).
type workloadIndex struct {
	all  []facts.Workload               // input order
	bySA map[[2]string][]facts.Workload // sorted
	// inNS holds the positions in all of each namespace's workloads; byNS
	// the sorted lists, made on first use: only ServiceAccount groups
	// (system:serviceaccounts:<ns>) need them.
	inNS map[string][]int32
	byNS map[string][]facts.Workload
}

func indexWorkloads(ws []inventory.Workload) workloadIndex {
	idx := workloadIndex{all: make([]facts.Workload, len(ws)), bySA: map[[2]string][]facts.Workload{},
		inNS: map[string][]int32{}, byNS: map[string][]facts.Workload{}}
	for i, w := range ws {
		fw := facts.Workload{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Location: w.Source, AutomountToken: w.AutomountToken}
		idx.all[i] = fw
		idx.inNS[w.Namespace] = append(idx.inNS[w.Namespace], int32(i))
		sa := w.ServiceAccount
		if sa == "" {
			sa = "default"
		}
		k := [2]string{w.Namespace, sa}
		idx.bySA[k] = append(idx.bySA[k], fw)
	}
	for k, l := range idx.bySA {
		sortWorkloads(l)
		idx.bySA[k] = slices.Clip(l)
	}
	return idx
}

// workloads returns the workloads running as ns/sa, or all workloads of ns
// when sa is "". The list is shared: callers must not change it.
func (r *resolver) workloads(ns, sa string) []facts.Workload {
	var l []facts.Workload
	if sa != "" {
		l = r.wl.bySA[[2]string{ns, sa}]
	} else {
		l = r.wl.namespace(ns)
	}
	if l == nil {
		return []facts.Workload{}
	}
	return l
}

// namespace returns the sorted workloads of ns, collected on first use in
// input order, as the list was always built before sorting.
func (idx *workloadIndex) namespace(ns string) []facts.Workload {
	if l, ok := idx.byNS[ns]; ok {
		return l
	}
	var l []facts.Workload
	if pos := idx.inNS[ns]; len(pos) > 0 {
		l = make([]facts.Workload, len(pos))
		for i, p := range pos {
			l[i] = idx.all[p]
		}
		sortWorkloads(l)
	}
	idx.byNS[ns] = l
	return l
}

func sortWorkloads(l []facts.Workload) {
	sort.Slice(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
}
