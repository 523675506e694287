package rbac

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// bindBatch is how many bindings the role side hands the subject side at
// a time.
const bindBatch = 256

// bindItem is one binding whose role side is resolved, waiting for its
// subjects.
type bindItem struct {
	slot     int32
	ns       string
	subjects []rbacv1.Subject
	g        *bindingFacts
}

// bindAll resolves every binding not dropped as a duplicate (slots as
// bindingSlots returns them). The two halves run on two goroutines, in
// input order: the role side (role lookup, what the role grants through
// this binding, paths) and the subject side (subjects and their grants).
// They share no state but the items passed between them, so the result
// is the same as one after the other.
func (r *resolver) bindAll(slots []int32) {
	if !parallel() {
		var errs []finding.ScanError
		for i, slot := range slots {
			if slot >= 0 {
				it := r.bindRole(r.bindingIn(i), slot)
				errs = r.bindSubjects(&it, errs)
			}
		}
		r.errs = append(r.errs, errs...)
		return
	}
	batches := make(chan []bindItem, 4)
	go func() {
		defer close(batches)
		batch := make([]bindItem, 0, bindBatch)
		for i, slot := range slots {
			if slot < 0 {
				continue
			}
			batch = append(batch, r.bindRole(r.bindingIn(i), slot))
			if len(batch) == bindBatch {
				batches <- batch
				batch = make([]bindItem, 0, bindBatch)
			}
		}
		if len(batch) > 0 {
			batches <- batch
		}
	}()
	var errs []finding.ScanError
	for batch := range batches {
		for k := range batch {
			errs = r.bindSubjects(&batch[k], errs)
		}
	}
	r.errs = append(r.errs, errs...)
}

// bindRole resolves the role side of one binding into its slot of
// r.bindings (all but the subjects) and returns what its subjects get.
func (r *resolver) bindRole(in bindingIn, slot int32) bindItem {
	ref := facts.Ref{Kind: in.kind, Namespace: in.ns, Name: in.name, Location: in.src, Annotations: auditAnnotations(in.ann)}
	n, roleFact := r.lookupRole(ref, in.roleRef)
	r.bindings[slot] = facts.Binding{
		Ref: ref, RoleRef: roleFact, RoleFound: n != nil,
		Builtin: in.builtin || isBootstrapBinding(in.ns, in.name, in.roleRef.Name),
	}
	r.bindRoles[slot] = n
	g := r.bindingGrants(ref, n, roleFact)
	r.bindings[slot].Ineffective = g.ineffective // shared with its subjects
	return bindItem{slot: slot, ns: in.ns, subjects: in.subjects, g: g}
}

// bindSubjects gives each subject of a binding what the binding grants,
// appending subjects that match no one to errs.
func (r *resolver) bindSubjects(it *bindItem, errs []finding.ScanError) []finding.ScanError {
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
