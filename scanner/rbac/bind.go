package rbac

import (
	"runtime"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/internal/ordered"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// bindBatch is how many bindings one goroutine resolves the role side of
// at a time.
const bindBatch = 256

// bindItem is one binding whose role side is resolved, waiting for its
// subjects.
type bindItem struct {
	slot     int32
	ns       string
	subjects []rbacv1.Subject
	g        *bindingFacts
	err      *finding.ScanError // an invalid roleRef, reported in input order
}

// bindAll resolves every binding not dropped as a duplicate (slots as
// bindingSlots returns them). The role side of the bindings (role lookup,
// what the role grants through the binding, paths) runs batch by batch on
// every CPU; the subject side (subjects and their grants, the role's count
// of bindings, errors) takes the batches in input order on this goroutine,
// so the result is that of resolving the bindings one after the other. The
// role side only reads what it shares: prepareRoles computes beforehand
// what it would cache on the roles, and groupPerms locks its cache.
func (r *resolver) bindAll(slots []int32) {
	prepareRoles(r.roles.all)
	workers := 1
	if parallel() {
		workers = runtime.GOMAXPROCS(0)
	}
	var errs []finding.ScanError
	ordered.Map((len(slots)+bindBatch-1)/bindBatch, workers, func() func(k int) []bindItem {
		return func(k int) []bindItem {
			lo, hi := k*bindBatch, min((k+1)*bindBatch, len(slots))
			items := make([]bindItem, 0, hi-lo)
			for i := lo; i < hi; i++ {
				if slots[i] >= 0 {
					items = append(items, r.bindRole(r.bindingIn(i), slots[i]))
				}
			}
			return items
		}
	}, func(_ int, items []bindItem) {
		for k := range items {
			errs = r.bindSubjects(&items[k], errs)
		}
	})
	r.errs = append(r.errs, errs...)
}

// prepareRoles computes every role's analysis and the paths of its node
// rules, which the role side of binding would otherwise compute on first
// use and cache on the role: afterwards it only reads the roles. A role's
// caches depend on no other role's, so the roles are split between two
// goroutines.
func prepareRoles(nodes []*roleNode) {
	prepare := func(part []*roleNode) {
		for _, n := range part {
			a := analyze(n)
			for _, g := range a.grants {
				rolePath(n, g.src)
			}
			for _, in := range a.ineffective {
				rolePath(n, in.src)
			}
		}
	}
	half := len(nodes) / 2
	both(func() { prepare(nodes[:half]) }, func() { prepare(nodes[half:]) })
}

// bindRole resolves the role side of one binding into its slot of
// r.bindings (all but the subjects) and returns what its subjects get.
func (r *resolver) bindRole(in bindingIn, slot int32) bindItem {
	ref := facts.Ref{Kind: in.kind, Namespace: in.ns, Name: in.name, Location: in.src, Annotations: auditAnnotations(in.ann)}
	n, roleFact, err := r.lookupRole(ref, in.roleRef)
	r.bindings[slot] = facts.Binding{
		Ref: ref, RoleRef: roleFact, RoleFound: n != nil,
		Builtin: in.builtin || isBootstrapBinding(in.ns, in.name, in.roleRef.Name),
	}
	r.bindRoles[slot] = n
	g := r.bindingGrants(ref, n, roleFact)
	r.bindings[slot].Ineffective = g.ineffective // shared with its subjects
	return bindItem{slot: slot, ns: in.ns, subjects: in.subjects, g: g, err: err}
}

// bindSubjects gives each subject of a binding what the binding grants and
// counts the binding on its role, appending the binding's roleRef error
// and subjects that match no one to errs.
func (r *resolver) bindSubjects(it *bindItem, errs []finding.ScanError) []finding.ScanError {
	if it.err != nil {
		errs = append(errs, *it.err)
	}
	if n := r.bindRoles[it.slot]; n != nil {
		n.bound++
	}
	b, g := &r.bindings[it.slot], it.g
	b.Subjects = make([]string, 0, len(it.subjects))
	var buf [8]int32
	seen := buf[:0]
	for _, s := range it.subjects {
		i, ok := r.subjects.lookup(r, s, it.ns)
		if !ok {
			errs = append(errs, badSubject(b.Ref, s))
			continue
		}
		if slices.Contains(seen, i) {
			continue // listed twice: one grant is enough
		}
		seen = append(seen, i)
		subj := r.subjects.at(i)
		b.Subjects = append(b.Subjects, subj.ID)
		subj.Grants = appendShared(subj.Grants, g.grants)
		subj.Ineffective = appendShared(subj.Ineffective, g.ineffective)
		if len(g.perms) > 0 {
			subj.held = append(subj.held, g.perms...)
			subj.mask |= g.provides
		}
	}
	return errs
}
