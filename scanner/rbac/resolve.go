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
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

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
	// ReleaseBindings lets Resolve drop the inventory's ClusterRoleBindings
	// and RoleBindings (set to nil) once they are bound: on a large cluster
	// they are a third of the typed objects, and resolving goes on long
	// after. The caller must not need them afterwards.
	ReleaseBindings bool
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
	bindings []facts.Binding // sorted by kind, namespace, name (see bindingSlots)
	// bindRoles[i] is the role of bindings[i], nil when it does not exist.
	bindRoles []*roleNode
	// permRules are the escalation permissions of roles as bindings hold
	// them, guarded by permMu (bindings are resolved concurrently).
	permRules map[permRulesKey][]*permRule
	permMu    sync.Mutex
	sharedEsc map[sharedKey]*groupEscalations // by permissions and mask
}

// Resolve computes subjects, roles and bindings from inv. It never fails
// as a whole: problems (bad label selectors, duplicate objects, subjects
// that cannot match anyone) come back as ScanErrors of stage "resolve".
func Resolve(inv *inventory.Inventory, opts Options) (*Result, []finding.ScanError) {
	if inv == nil {
		inv = &inventory.Inventory{}
	}
	r := &resolver{
		inv: inv, opts: opts, subjects: newSubjectTable(),
		permRules: map[permRulesKey][]*permRule{}, sharedEsc: map[sharedKey]*groupEscalations{},
	}
	buildRoles(r)
	aggregate(r)
	r.wl = indexWorkloads(inv.Workloads)
	r.bindAll(r.bindingSlots())
	if opts.ReleaseBindings {
		inv.ClusterRoleBindings, inv.RoleBindings = nil, nil
	}
	res := &Result{Bindings: r.bindings}
	r.recordBoundBy()
	res.Roles = r.addEscalations()
	res.Subjects = r.subjects.sorted()
	finding.SortErrors(r.errs)
	return res, r.errs
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

// bindingIn returns input binding i: the ClusterRoleBindings, then the
// RoleBindings, in input order.
func (r *resolver) bindingIn(i int) bindingIn {
	if crbs := r.inv.ClusterRoleBindings; i < len(crbs) {
		crb := &crbs[i]
		// A ClusterRoleBinding has no namespace, whatever the manifest says.
		return bindingIn{kind: kindCRB, name: crb.Name, ann: crb.Annotations, src: crb.Source,
			roleRef: crb.RoleRef, subjects: crb.Subjects, builtin: crb.Builtin}
	}
	rb := &r.inv.RoleBindings[i-len(r.inv.ClusterRoleBindings)]
	return bindingIn{kind: kindRB, ns: rb.Namespace, name: rb.Name, ann: rb.Annotations, src: rb.Source,
		roleRef: rb.RoleRef, subjects: rb.Subjects}
}

// bindingSlots sorts the input bindings (numbered as in bindingIn) by kind,
// namespace and name, and returns each one's index in the sorted output, or
// -1 for a duplicate: the first definition wins and the others are
// reported. It also sizes r.bindings and r.bindRoles, which bind fills at
// those indexes, so nothing is sorted or moved afterwards.
func (r *resolver) bindingSlots() []int32 {
	nc := len(r.inv.ClusterRoleBindings)
	// The keys are copied side by side: sorting compares them often, and
	// the objects they come from are large.
	keys := make([]slotKey, nc+len(r.inv.RoleBindings))
	for i := range keys {
		keys[i].i = int32(i)
		if i < nc {
			keys[i].name = r.inv.ClusterRoleBindings[i].Name
		} else {
			rb := &r.inv.RoleBindings[i-nc]
			keys[i].ns, keys[i].name = rb.Namespace, rb.Name
		}
	}
	// ClusterRoleBindings (numbered first) sort before RoleBindings; within
	// a kind the input order breaks ties, so the first definition leads.
	cmp := func(a, b slotKey) int {
		if c := strings.Compare(a.ns, b.ns); c != 0 {
			return c
		}
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return int(a.i - b.i)
	}
	both(func() { slices.SortFunc(keys[:nc], cmp) }, func() { slices.SortFunc(keys[nc:], cmp) })
	slots := make([]int32, len(keys))
	next, first := int32(0), int32(-1)
	for k, key := range keys {
		if k == 0 || k == nc || key.ns != keys[k-1].ns || key.name != keys[k-1].name {
			first, slots[key.i] = key.i, next
			next++
			continue
		}
		in, prev := r.bindingIn(int(key.i)), r.bindingIn(int(first))
		r.errorf(in.src, "duplicate %s %q (first defined at %s): this definition is ignored", in.kind, joinNS(in.ns, in.name), prev.src)
		slots[key.i] = -1
	}
	r.bindings, r.bindRoles = make([]facts.Binding, next), make([]*roleNode, next)
	return slots
}

// slotKey is what bindingSlots sorts input binding i by.
type slotKey struct {
	ns, name string
	i        int32
}

// appendShared appends add to list, returning add itself when list is
// empty: the subjects of one binding then share its list until a second
// binding adds to it (add has no spare capacity, so append copies then).
// Sorting a shared list in place is harmless: every sharer sorts it alike.
func appendShared[T any](list, add []T) []T {
	if len(list) == 0 && len(add) > 0 {
		return slices.Clip(add)
	}
	return append(list, add...)
}

// lookupRole finds the role a binding references (nil when it does not
// exist) and the reference to report; an invalid roleRef comes back as
// an error. A ClusterRoleBinding can reference only a ClusterRole. It only
// reads the resolver, so bindings are looked up concurrently.
func (r *resolver) lookupRole(b facts.Ref, roleRef rbacv1.RoleRef) (*roleNode, facts.Ref, *finding.ScanError) {
	fact := facts.Ref{Kind: roleRef.Kind, Name: roleRef.Name}
	var n *roleNode
	switch {
	case roleRef.Kind == kindClusterRole:
		n = r.roles.cluster[roleRef.Name]
	case roleRef.Kind == kindRole && b.Kind == kindRB:
		fact.Namespace = b.Namespace
		n = r.roles.ns[[2]string{b.Namespace, roleRef.Name}]
	default:
		err := scanError(b.Location, "%s: roleRef kind %q is invalid here (the API server rejects it); the binding grants nothing", refText(b), roleRef.Kind)
		return nil, fact, &err
	}
	if n == nil {
		return nil, fact, nil
	}
	return n, n.ref, nil
}

// bindingFacts is what every subject of one binding gets.
type bindingFacts struct {
	grants      []facts.Grant
	ineffective []facts.Ineffective
	perms       []*permGroup
	provides    heldMask // the bits perms set in their holder's mask
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
	// Exact sizes: subjects share these lists (see bind).
	if b.Kind == kindRB {
		out.ineffective = make([]facts.Ineffective, 0, len(a.grants)+len(a.ineffective))
	} else {
		out.grants = make([]facts.Grant, 0, len(a.grants))
		out.ineffective = make([]facts.Ineffective, 0, len(a.ineffective))
	}
	paths := bindingPaths{bt: bt, n: n}
	for _, g := range a.grants {
		p := paths.of(g.src)
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
		out.ineffective = append(out.ineffective, in.fact(paths.of(in.src)))
	}
	out.perms = r.groupPerms(b, n, a.perms)
	for _, g := range out.perms {
		out.provides |= g.rule.provides
	}
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

// badSubject describes a subject that can never match anyone.
func badSubject(b facts.Ref, s rbacv1.Subject) finding.ScanError {
	if s.Kind == rbacv1.ServiceAccountKind {
		return scanError(b.Location, "%s: ServiceAccount subject %q has no namespace (required in a ClusterRoleBinding); subject skipped", refText(b), s.Name)
	}
	return scanError(b.Location, "%s: subject %q has unknown kind %q (want User, Group or ServiceAccount); subject skipped", refText(b), s.Name, s.Kind)
}

// addEscalations turns held permissions into escalation facts once every
// subject's node access is known, and renders the roles meanwhile: after
// warmEscalations neither changes state the other reads, so two goroutines
// share the work, taking subjects in chunks.
func (r *resolver) addEscalations() []facts.Role {
	var extra []string
	if !r.opts.NoBuiltins {
		extra = bootstrapHolders()
	}
	h := indexHolders(&r.subjects, extra)
	r.warmEscalations(&h)
	var next atomic.Int32
	work := func() {
		w := &escWorker{h: h}
		for {
			end := next.Add(escChunk)
			start := end - escChunk
			if int(start) >= r.subjects.n {
				return
			}
			for i := start; i < end && int(i) < r.subjects.n; i++ {
				if subj := r.subjects.at(i); len(subj.parts) > 0 {
					subj.Escalations, subj.EscalationPaths = r.escalations(w, subj.ID, subj.parts)
					subj.parts = nil
				}
			}
		}
	}
	if !parallel() {
		roles := r.roleFacts()
		work()
		return roles
	}
	var roles []facts.Role
	var wg sync.WaitGroup
	wg.Go(func() {
		roles = r.roleFacts()
		work()
	})
	work()
	wg.Wait()
	return roles
}

// parallel reports whether a second goroutine can run alongside: with one
// P it would only add switches.
func parallel() bool { return runtime.GOMAXPROCS(0) > 1 }

// both runs a and b, concurrently when parallel.
func both(a, b func()) {
	if !parallel() {
		a()
		b()
		return
	}
	var wg sync.WaitGroup
	wg.Go(a)
	b()
	wg.Wait()
}

// sortHalves sorts xs like slices.SortFunc (cmp must be a strict order:
// no two elements equal) with its halves sorted concurrently and merged.
func sortHalves[T any](xs []T, cmp func(a, b T) int) []T {
	if !parallel() || len(xs) < 1024 {
		slices.SortFunc(xs, cmp)
		return xs
	}
	lo, hi := xs[:len(xs)/2], xs[len(xs)/2:]
	both(func() { slices.SortFunc(lo, cmp) }, func() { slices.SortFunc(hi, cmp) })
	out := make([]T, 0, len(xs))
	for len(lo) > 0 && len(hi) > 0 {
		if cmp(hi[0], lo[0]) < 0 {
			out, hi = append(out, hi[0]), hi[1:]
		} else {
			out, lo = append(out, lo[0]), lo[1:]
		}
	}
	return append(append(out, lo...), hi...)
}

// escChunk is how many subjects an escalation worker takes at a time.
const escChunk = 128

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

// recordBoundBy appends every binding, in order, to its role's BoundBy,
// carving the lists out of one array; they come out sorted.
func (r *resolver) recordBoundBy() {
	total := 0
	for _, n := range r.bindRoles {
		if n != nil {
			total++
		}
	}
	slab, off := make([]facts.Ref, total), 0
	for k, n := range r.bindRoles {
		if n == nil {
			continue
		}
		if n.boundBy == nil {
			n.boundBy = slab[off:off:(off + n.bound)]
			off += n.bound
		}
		n.boundBy = append(n.boundBy, r.bindings[k].Ref)
	}
	r.bindRoles = nil
}

// sortSubject orders a subject's grants by subresource and path text, and
// its ineffective grants by reason, resource and path text (stable: ties
// keep binding order).
func sortSubject(s *facts.Subject) {
	slices.SortStableFunc(s.Grants, func(a, b facts.Grant) int {
		return cmp.Or(strings.Compare(a.Subresource, b.Subresource), strings.Compare(a.Path.Text, b.Path.Text))
	})
	slices.SortStableFunc(s.Ineffective, func(a, b facts.Ineffective) int {
		return cmp.Or(strings.Compare(a.Reason, b.Reason), strings.Compare(a.Resource, b.Resource),
			strings.Compare(a.Path.Text, b.Path.Text))
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
