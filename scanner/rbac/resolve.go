// Package rbac resolves RBAC objects into node-access facts with the exact
// semantics of the Kubernetes RBAC authorizer: which subject reaches which
// kubelet node subresource with which verbs, through which binding, role
// and rule; which grants only look like node access; and which permissions
// let a subject grant itself node access. Aggregated ClusterRoles are
// resolved as the aggregation controller does, and bootstrap roles the
// input references without defining come from the embedded bootstrap
// policy (see Builtins).
package rbac

import (
	"slices"
	"sort"
	"strings"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// Options tune the resolution.
type Options struct {
	// Live: aggregated ClusterRoles use the rules the API server stored (the
	// aggregation controller already wrote them) and drift between the
	// aggregationRule and the stored rules is reported in Role.AggregationDrift.
	// Offline (false): aggregated roles get the union of rules of every
	// ClusterRole whose labels match any of the selectors, exactly as
	// pkg/controller/clusterroleaggregation does (stored rules ignored).
	Live bool
	// NoBuiltins disables adding bootstrap roles the input references but does not define.
	NoBuiltins bool
}

// Result is the RBAC part of the policy input document.
type Result struct {
	Subjects []facts.Subject // sorted by ID
	Roles    []facts.Role    // sorted by kind, namespace, name
	Bindings []facts.Binding // sorted by kind, namespace, name
}

// Kinds of bindings.
const (
	kindCRB = "ClusterRoleBinding"
	kindRB  = "RoleBinding"
)

// annotationPrefix selects the annotations carried into facts (suppression).
const annotationPrefix = "kubelet-audit.io/"

// resolver holds the state of one Resolve call.
type resolver struct {
	inv      *inventory.Inventory
	opts     Options
	errs     []finding.ScanError
	roles    *roleIndex
	wl       workloadIndex
	subjects subjectTable
	bindings []facts.Binding // ClusterRoleBindings first, then RoleBindings
	// bindRoles[i] is the role of bindings[i], nil when it does not exist.
	bindRoles []*roleNode
	seen      map[[3]string]facts.Location // bindings by kind, namespace, name
	// permRules are the escalation permissions of roles as bindings hold them.
	permRules map[permRulesKey][]*permRule
	sharedEsc map[sharedKey]*groupEscalations // by permissions and mask
}

// Resolve computes subjects, roles and bindings from inv. It never fails
// as a whole: problems (bad label selectors, duplicate objects, subjects
// that cannot match anyone) come back as ScanErrors of stage "resolve".
func Resolve(inv *inventory.Inventory, opts Options) (*Result, []finding.ScanError) {
	if inv == nil {
		inv = &inventory.Inventory{}
	}
	nb := len(inv.ClusterRoleBindings) + len(inv.RoleBindings)
	r := &resolver{
		inv: inv, opts: opts, bindings: make([]facts.Binding, 0, nb), bindRoles: make([]*roleNode, 0, nb),
		subjects: newSubjectTable(), seen: make(map[[3]string]facts.Location, nb),
		permRules: map[permRulesKey][]*permRule{}, sharedEsc: map[sharedKey]*groupEscalations{},
	}
	buildRoles(r)
	aggregate(r)
	r.wl = indexWorkloads(inv.Workloads)
	for i := range inv.ClusterRoleBindings {
		crb := &inv.ClusterRoleBindings[i]
		// A ClusterRoleBinding has no namespace, whatever the manifest says.
		r.bind(bindingIn{kind: kindCRB, name: crb.Name, ann: crb.Annotations, src: crb.Source,
			roleRef: crb.RoleRef, subjects: crb.Subjects, builtin: crb.Builtin})
	}
	for i := range inv.RoleBindings {
		rb := &inv.RoleBindings[i]
		r.bind(bindingIn{kind: kindRB, ns: rb.Namespace, name: rb.Name, ann: rb.Annotations, src: rb.Source,
			roleRef: rb.RoleRef, subjects: rb.Subjects})
	}
	r.addEscalations()
	finding.SortErrors(r.errs)
	return r.result(), r.errs
}

// bindingIn is a ClusterRoleBinding or RoleBinding as the resolver reads it.
type bindingIn struct {
	kind, ns, name string
	ann            map[string]string
	src            facts.Location
	roleRef        rbacv1.RoleRef
	subjects       []rbacv1.Subject
	builtin        bool
}

// bind resolves one binding: its role, and what each subject gets from it.
func (r *resolver) bind(in bindingIn) {
	key := [3]string{in.kind, in.ns, in.name}
	if prev, dup := r.seen[key]; dup {
		r.errorf(in.src, "duplicate %s %q (first defined at %s): this definition is ignored", in.kind, joinNS(in.ns, in.name), prev)
		return
	}
	r.seen[key] = in.src
	ref := facts.Ref{Kind: in.kind, Namespace: in.ns, Name: in.name, Location: in.src, Annotations: auditAnnotations(in.ann)}
	n, roleFact := r.lookupRole(ref, in.roleRef)
	b := facts.Binding{
		Ref: ref, RoleRef: roleFact, RoleFound: n != nil, Subjects: make([]string, 0, len(in.subjects)),
		Builtin: in.builtin || isBootstrapBinding(in.ns, in.name, in.roleRef.Name),
	}
	g := r.bindingGrants(ref, n, roleFact)
	var buf [8]int32
	seen := buf[:0]
	for _, s := range in.subjects {
		i, ok := r.subjects.lookup(r, s, in.ns)
		if !ok {
			r.badSubject(ref, s)
			continue
		}
		if slices.Contains(seen, i) {
			continue // listed twice: one grant is enough
		}
		seen = append(seen, i)
		subj := &r.subjects.list[i]
		b.Subjects = append(b.Subjects, subj.ID)
		subj.Grants = append(subj.Grants, g.grants...)
		subj.Ineffective = append(subj.Ineffective, g.ineffective...)
		if len(g.perms) > 0 {
			r.subjects.held[i] = append(r.subjects.held[i], g)
		}
	}
	r.bindings = append(r.bindings, b)
	r.bindRoles = append(r.bindRoles, n)
}

// lookupRole finds the role a binding references and records the binding
// on it. A ClusterRoleBinding can reference only a ClusterRole.
func (r *resolver) lookupRole(b facts.Ref, roleRef rbacv1.RoleRef) (*roleNode, facts.Ref) {
	fact := facts.Ref{Kind: roleRef.Kind, Name: roleRef.Name}
	var n *roleNode
	switch {
	case roleRef.Kind == kindClusterRole:
		n = r.roles.cluster[roleRef.Name]
	case roleRef.Kind == kindRole && b.Kind == kindRB:
		fact.Namespace = b.Namespace
		n = r.roles.ns[[2]string{b.Namespace, roleRef.Name}]
	default:
		r.errorf(b.Location, "%s: roleRef kind %q is invalid here (the API server rejects it); the binding grants nothing", refText(b), roleRef.Kind)
	}
	if n == nil {
		return nil, fact
	}
	n.bound++
	return n, n.ref
}

// bindingFacts is what every subject of one binding gets.
type bindingFacts struct {
	grants      []facts.Grant
	ineffective []facts.Ineffective
	perms       []*permGroup
}

// bindingGrants computes a binding's facts once for all its subjects. A
// RoleBinding never grants the cluster-scoped nodes resource (nor any other
// cluster-scoped resource): its node grants become ineffective.
func (r *resolver) bindingGrants(b facts.Ref, n *roleNode, role facts.Ref) *bindingFacts {
	out := &bindingFacts{}
	if n == nil {
		out.ineffective = []facts.Ineffective{missingRole(b, role)}
		return out
	}
	a := analyze(n)
	var bt bindingText
	if len(a.grants)+len(a.ineffective) > 0 {
		bt = newBindingText(b)
	}
	for _, g := range a.grants {
		p := bindingPath(bt, n, g.src)
		if b.Kind == kindRB {
			out.ineffective = append(out.ineffective, facts.Ineffective{
				Reason: facts.IneffectiveRoleBinding, Resource: nodePrefix + g.sub, Verbs: g.verbs, Path: p,
				Detail: rbDetail(bt.text, b.Namespace, g.sub, g.verbs),
			})
			continue
		}
		out.grants = append(out.grants, facts.Grant{Subresource: g.sub, Verbs: g.verbs, Nodes: g.nodes, Wildcard: g.wildcard, Path: p})
	}
	for _, in := range a.ineffective {
		out.ineffective = append(out.ineffective, in.fact(bindingPath(bt, n, in.src)))
	}
	out.perms = r.groupPerms(b, n, a.perms)
	return out
}

func missingRole(b, role facts.Ref) facts.Ineffective {
	return facts.Ineffective{
		Reason: facts.IneffectiveMissingRole, Verbs: []string{}, Path: missingPath(b, role),
		Detail: refText(b) + " references " + refText(role) + ", which is neither in the input nor a built-in role: the binding grants nothing (until someone creates that role)",
	}
}

func rbDetail(binding, ns, sub string, verbs []string) string {
	return binding + " grants only namespaced permissions in namespace \"" + ns + "\"; nodes are cluster-scoped, so nodes/" + sub +
		" (" + strings.Join(verbs, ", ") + ") through it grants nothing"
}

// badSubject reports a subject that can never match anyone.
func (r *resolver) badSubject(b facts.Ref, s rbacv1.Subject) {
	if s.Kind == rbacv1.ServiceAccountKind {
		r.errorf(b.Location, "%s: ServiceAccount subject %q has no namespace (required in a ClusterRoleBinding); subject skipped", refText(b), s.Name)
		return
	}
	r.errorf(b.Location, "%s: subject %q has unknown kind %q (want User, Group or ServiceAccount); subject skipped", refText(b), s.Name, s.Kind)
}

// addEscalations turns held permissions into escalation facts once every
// subject's node access is known.
func (r *resolver) addEscalations() {
	var extra []string
	if !r.opts.NoBuiltins {
		extra = bootstrapHolders()
	}
	h := indexHolders(r.subjects.list, extra)
	for i, held := range r.subjects.held {
		if len(held) > 0 {
			subj := &r.subjects.list[i]
			subj.Escalations, subj.EscalationPaths = r.escalations(subj.ID, held, &h)
		}
	}
}

// bootstrapHolders are the identities the bootstrap bindings give node
// access (system:masters through cluster-admin, ...): impersonating them
// is a path to node access even when the input does not mention them.
func bootstrapHolders() []string {
	holdersOnce.Do(func() { holders = computeBootstrapHolders() })
	return holders
}

var (
	holdersOnce sync.Once
	holders     []string
)

func computeBootstrapHolders() []string {
	roles, bindings := Builtins()
	inv := &inventory.Inventory{}
	for _, cr := range roles {
		inv.ClusterRoles = append(inv.ClusterRoles, inventory.ClusterRole{ClusterRole: cr})
	}
	for _, crb := range bindings {
		inv.ClusterRoleBindings = append(inv.ClusterRoleBindings, inventory.ClusterRoleBinding{ClusterRoleBinding: crb})
	}
	res, _ := Resolve(inv, Options{NoBuiltins: true})
	var ids []string
	for _, s := range res.Subjects {
		if len(s.Grants) > 0 {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// result assembles the sorted output. Bindings are sorted first: the
// roles' BoundBy lists are filled in that order.
func (r *resolver) result() *Result {
	res := &Result{Bindings: r.sortBindings()}
	res.Roles = r.roleFacts()
	res.Subjects = r.subjects.sorted()
	return res
}

// roleFacts renders the included roles, in index order.
func (r *resolver) roleFacts() []facts.Role {
	n := 0
	for _, nd := range r.roles.all {
		if nd.included() {
			n++
		}
	}
	out := make([]facts.Role, 0, n)
	for _, nd := range r.roles.all {
		if nd.included() {
			analyze(nd)
			out = append(out, roleFact(nd))
		}
	}
	return out
}

// sortBindings orders the bindings by kind, namespace, name in place
// (ClusterRoleBindings already precede RoleBindings) and records each on
// its role in that order, so BoundBy lists come out sorted.
func (r *resolver) sortBindings() []facts.Binding {
	bs := r.bindings
	order := make([]int32, len(bs))
	nCRB := 0
	for i := range order {
		order[i] = int32(i)
		if bs[i].Kind == kindCRB {
			nCRB = i + 1
		}
	}
	byNSName := func(i, j int32) int {
		a, b := &bs[i].Ref, &bs[j].Ref
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	}
	slices.SortFunc(order[:nCRB], byNSName)
	slices.SortFunc(order[nCRB:], byNSName)
	r.recordBoundBy(order)
	permute(bs, order)
	r.bindings, r.bindRoles = nil, nil
	return bs
}

// recordBoundBy appends every binding, in order, to its role's BoundBy,
// carving the lists out of one array.
func (r *resolver) recordBoundBy(order []int32) {
	total := 0
	for _, n := range r.bindRoles {
		if n != nil {
			total++
		}
	}
	slab, off := make([]facts.Ref, total), 0
	for _, k := range order {
		n := r.bindRoles[k]
		if n == nil {
			continue
		}
		if n.boundBy == nil {
			n.boundBy = slab[off:off:(off + n.bound)]
			off += n.bound
		}
		n.boundBy = append(n.boundBy, r.bindings[k].Ref)
	}
}

// permute reorders xs in place so that xs[i] becomes the former
// xs[order[i]], following each cycle of the permutation once; order must be
// a permutation of the indexes of xs and is left as the identity.
func permute[T any](xs []T, order []int32) {
	for i := range order {
		if int(order[i]) == i {
			continue
		}
		tmp := xs[i]
		j := i
		for {
			k := int(order[j])
			order[j] = int32(j)
			if k == i {
				xs[j] = tmp
				break
			}
			xs[j] = xs[k]
			j = k
		}
	}
}

func sortSubject(s *facts.Subject) {
	sort.SliceStable(s.Grants, func(i, j int) bool {
		a, b := s.Grants[i], s.Grants[j]
		if a.Subresource != b.Subresource {
			return a.Subresource < b.Subresource
		}
		return a.Path.Text < b.Path.Text
	})
	sort.SliceStable(s.Ineffective, func(i, j int) bool {
		a, b := s.Ineffective[i], s.Ineffective[j]
		if a.Reason != b.Reason {
			return a.Reason < b.Reason
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Path.Text < b.Path.Text
	})
}

// auditAnnotations keeps only kubelet-audit.io/* annotations.
func auditAnnotations(in map[string]string) map[string]string {
	var out map[string]string
	for k, v := range in {
		if strings.HasPrefix(k, annotationPrefix) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

func joinNS(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}
