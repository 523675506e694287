package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
)

// Role kinds.
const (
	kindClusterRole = "ClusterRole"
	kindRole        = "Role"
)

// ruleSrc is one effective rule of a role and where it is written: for an
// aggregated role, the role it was collected from.
type ruleSrc struct {
	from  *roleNode
	index int
}

// rule is the policy rule itself.
func (s ruleSrc) rule() *rbacv1.PolicyRule { return &s.from.rules[s.index] }

// key is the rule's compact form, the identity the aggregation controller
// dedups by; computed once per rule, on first use.
func (s ruleSrc) key() string {
	n := s.from
	if n.keys == nil {
		n.keys = make([]string, len(n.rules))
	}
	if n.keys[s.index] == "" {
		n.keys[s.index] = compactRule(n.rules[s.index])
	}
	return n.keys[s.index]
}

// roleNode is a Role or ClusterRole of the resolution universe (input
// roles plus bootstrap ClusterRoles) with everything computed about it.
type roleNode struct {
	ref       facts.Ref
	rules     []rbacv1.PolicyRule
	lines     []int
	keys      []string // compact rule strings, lazily
	labels    labels.Set
	aggRule   *rbacv1.AggregationRule
	selectors []labels.Selector
	badSel    bool // a selector did not parse: the controller never updates the role
	defined   bool
	builtin   bool

	effective []ruleSrc
	sources   []*roleNode // roles the selectors match, in controller order
	into      []*roleNode // aggregated roles whose selectors match this role
	drift     []string
	bound     int         // bindings referencing the role
	boundBy   []facts.Ref // those bindings, sorted (filled by sortBindings)
	analysis  *roleAnalysis
	paths     map[ruleSrc]facts.Path // rolePath by rule, lazily
}

func (n *roleNode) aggregated() bool { return n.aggRule != nil }

// ownRules are the rules as written in the role.
func (n *roleNode) ownRules() []ruleSrc {
	out := make([]ruleSrc, len(n.rules))
	for i := range n.rules {
		out[i] = ruleSrc{from: n, index: i}
	}
	return out
}

// ruleLocation is where rule i of the role is written.
func (n *roleNode) ruleLocation(i int) facts.Location {
	loc := n.ref.Location
	if i < len(n.lines) && n.lines[i] > 0 {
		loc.Line = n.lines[i]
	}
	return loc
}

// roleIndex holds the universe: ClusterRoles by name, Roles by namespace/name.
type roleIndex struct {
	cluster map[string]*roleNode
	ns      map[[2]string]*roleNode
	all     []*roleNode // every node, sorted by kind, namespace, name
}

// builtinLocation marks roles taken from the bootstrap policy, e.g.
// bootstrap://clusterrole/cluster-admin.
func builtinLocation(path string) facts.Location {
	return facts.Location{URI: "bootstrap://" + path}
}

// buildRoles indexes input roles (first definition wins; duplicates are
// reported) and, unless disabled, the bootstrap ClusterRoles the input
// does not define.
func buildRoles(r *resolver) {
	idx := &roleIndex{cluster: make(map[string]*roleNode, len(r.inv.ClusterRoles)), ns: make(map[[2]string]*roleNode, len(r.inv.Roles))}
	// One allocation for the input's nodes (the bootstrap ones are few).
	nodes := make([]roleNode, len(r.inv.ClusterRoles)+len(r.inv.Roles))
	for i := range r.inv.ClusterRoles {
		cr := &r.inv.ClusterRoles[i]
		if prev := idx.cluster[cr.Name]; prev != nil {
			r.errorf(cr.Source, "duplicate ClusterRole %q (first defined at %s): this definition is ignored", cr.Name, prev.ref.Location)
			continue
		}
		n := &nodes[i]
		*n = roleNode{
			ref:   facts.Ref{Kind: kindClusterRole, Name: cr.Name, Location: cr.Source, Annotations: auditAnnotations(cr.Annotations)},
			rules: cr.Rules, lines: cr.RuleLines, labels: cr.Labels, aggRule: cr.AggregationRule,
			defined: true, builtin: isBootstrapRole("", cr.Name) || cr.Builtin,
		}
		idx.cluster[cr.Name] = n
	}
	for i := range r.inv.Roles {
		ro := &r.inv.Roles[i]
		k := [2]string{ro.Namespace, ro.Name}
		if prev := idx.ns[k]; prev != nil {
			r.errorf(ro.Source, "duplicate Role %q (first defined at %s): this definition is ignored", ro.Namespace+"/"+ro.Name, prev.ref.Location)
			continue
		}
		n := &nodes[len(r.inv.ClusterRoles)+i]
		*n = roleNode{
			ref:   facts.Ref{Kind: kindRole, Namespace: ro.Namespace, Name: ro.Name, Location: ro.Source, Annotations: auditAnnotations(ro.Annotations)},
			rules: ro.Rules, lines: ro.RuleLines, defined: true, builtin: isBootstrapRole(ro.Namespace, ro.Name),
		}
		idx.ns[k] = n
	}
	if !r.opts.NoBuiltins {
		addBuiltins(idx)
	}
	idx.all = make([]*roleNode, 0, len(idx.cluster)+len(idx.ns))
	for _, n := range idx.cluster {
		idx.all = append(idx.all, n)
	}
	for _, n := range idx.ns {
		idx.all = append(idx.all, n)
	}
	slices.SortFunc(idx.all, func(a, b *roleNode) int { return refCompare(&a.ref, &b.ref) })
	r.roles = idx
}

// addBuiltins adds the bootstrap roles the input does not define.
func addBuiltins(idx *roleIndex) {
	roles, _ := Builtins()
	for i := range roles {
		cr := &roles[i]
		if idx.cluster[cr.Name] == nil {
			idx.cluster[cr.Name] = &roleNode{
				ref:   facts.Ref{Kind: kindClusterRole, Name: cr.Name, Location: builtinLocation("clusterrole/" + cr.Name)},
				rules: cr.Rules, labels: cr.Labels, aggRule: cr.AggregationRule, builtin: true,
			}
		}
	}
	nsRoles, _ := BuiltinNamespaced()
	for i := range nsRoles {
		ro := &nsRoles[i]
		if k := [2]string{ro.Namespace, ro.Name}; idx.ns[k] == nil {
			idx.ns[k] = &roleNode{
				ref:   facts.Ref{Kind: kindRole, Namespace: ro.Namespace, Name: ro.Name, Location: builtinLocation("role/" + ro.Namespace + "/" + ro.Name)},
				rules: ro.Rules, builtin: true,
			}
		}
	}
}

// aggregate resolves aggregationRules the way
// pkg/controller/clusterroleaggregation does: an aggregated role gets the
// rules of every other ClusterRole matching any selector, selectors in
// order, matching roles sorted by name, duplicates dropped. The controller
// re-runs whenever a role changes, so chains resolve transitively; here a
// fixpoint iteration does the same and also ends on cycles.
func aggregate(r *resolver) {
	var labeled, aggs []*roleNode
	for _, n := range r.roles.all {
		if n.ref.Kind != kindClusterRole {
			continue
		}
		if len(n.labels) > 0 {
			labeled = append(labeled, n) // r.roles.all is sorted by name within the kind
		}
		if n.aggregated() {
			aggs = append(aggs, n)
		}
	}
	for _, n := range r.roles.all {
		n.effective = n.ownRules()
	}
	for _, a := range aggs {
		parseSelectors(r, a)
		for _, sel := range a.selectors {
			for _, m := range labeled {
				if m != a && sel.Matches(m.labels) {
					a.sources = append(a.sources, m)
					m.into = appendUnique(m.into, a)
				}
			}
		}
		if !r.useStored(a) {
			a.effective = nil
		}
	}
	fixpoint(r, aggs)
	if r.opts.Live {
		for _, a := range aggs {
			if a.defined && !a.badSel {
				a.drift, a.effective = driftOf(a)
			}
		}
	}
}

// useStored is true when an aggregated role keeps the rules it carries:
// live roles (the controller already wrote them) and roles whose
// selectors do not parse (the controller fails and never updates them).
func (r *resolver) useStored(a *roleNode) bool {
	return a.badSel || (r.opts.Live && a.defined)
}

func parseSelectors(r *resolver, a *roleNode) {
	for i := range a.aggRule.ClusterRoleSelectors {
		sel, err := metav1.LabelSelectorAsSelector(&a.aggRule.ClusterRoleSelectors[i])
		if err != nil {
			r.errorf(a.ref.Location, "ClusterRole %q: aggregationRule selector #%d: %v (the aggregation controller cannot update this role; its stored rules are used)", a.ref.Name, i+1, err)
			a.badSel = true
			a.selectors = nil
			return
		}
		a.selectors = append(a.selectors, sel)
	}
}

// fixpoint recomputes aggregated roles until nothing changes. Every step
// only adds rules, so it ends after at most one round per aggregated role
// plus one; the cap guards against order-only oscillation.
func fixpoint(r *resolver, aggs []*roleNode) {
	for round := 0; round <= 2*len(aggs)+2; round++ {
		changed := false
		for _, a := range aggs {
			if r.useStored(a) {
				continue
			}
			next := collect(a)
			if !sameKeys(next, a.effective) {
				a.effective, changed = next, true
			}
		}
		if !changed {
			return
		}
	}
}

// collect is one controller sync of a: the deduplicated rules of its sources.
func collect(a *roleNode) []ruleSrc {
	seen := map[string]bool{}
	var out []ruleSrc
	for _, m := range a.sources {
		for _, rs := range m.effective {
			if !seen[rs.key()] {
				seen[rs.key()] = true
				out = append(out, rs)
			}
		}
	}
	return out
}

// driftOf compares a live aggregated role's stored rules with what its
// aggregationRule implies, and attributes stored rules to the role they
// came from where one matches.
func driftOf(a *roleNode) ([]string, []ruleSrc) {
	want := collect(a)
	byKey := make(map[string]ruleSrc, len(want))
	for _, rs := range want {
		byKey[rs.key()] = rs
	}
	drift := []string{}
	stored := a.ownRules()
	have := map[string]bool{}
	for i, rs := range stored {
		have[rs.key()] = true
		if src, ok := byKey[rs.key()]; ok {
			stored[i] = src
			continue
		}
		drift = append(drift, "extra "+rs.key())
	}
	for _, rs := range want {
		if !have[rs.key()] {
			drift = append(drift, "missing "+rs.key())
		}
	}
	return drift, stored
}

func sameKeys(a, b []ruleSrc) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].key() != b[i].key() {
			return false
		}
	}
	return true
}

// closure walks edges (sources or into) transitively from n and returns
// the names reached, sorted, without n itself.
func closure(n *roleNode, next func(*roleNode) []*roleNode) []string {
	seen := map[*roleNode]bool{n: true}
	stack := append([]*roleNode{}, next(n)...)
	names := []string{}
	for len(stack) > 0 {
		m := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[m] {
			continue
		}
		seen[m] = true
		names = append(names, m.ref.Name)
		stack = append(stack, next(m)...)
	}
	sort.Strings(names)
	return names
}

// included is true for roles reported in Result.Roles: every defined
// role, every built-in the input references, and every built-in that
// aggregates rules of an input role (e.g. view collecting a role labeled
// aggregate-to-view).
func (n *roleNode) included() bool {
	if n.defined || n.bound > 0 {
		return true
	}
	for _, rs := range n.effective {
		if rs.from.defined {
			return true
		}
	}
	return false
}

func appendUnique(list []*roleNode, n *roleNode) []*roleNode {
	for _, m := range list {
		if m == n {
			return list
		}
	}
	return append(list, n)
}

// roleFact renders n as a facts.Role.
func roleFact(n *roleNode) facts.Role {
	a := n.analysis
	role := facts.Role{
		Ref: n.ref, Defined: n.defined, Builtin: n.builtin,
		BoundBy:          n.boundBy,
		Aggregated:       n.aggregated(),
		AggregatesFrom:   closure(n, func(m *roleNode) []*roleNode { return m.sources }),
		AggregatesInto:   closure(n, func(m *roleNode) []*roleNode { return m.into }),
		NodeAccess:       []facts.RoleGrant{},
		Ineffective:      []facts.Ineffective{},
		AggregationDrift: append([]string{}, n.drift...),
	}
	if role.BoundBy == nil {
		role.BoundBy = []facts.Ref{}
	}
	for _, g := range a.grants {
		rg := facts.RoleGrant{
			Subresource: g.sub, Verbs: g.verbs, Nodes: g.nodes, Wildcard: g.wildcard,
			RuleIndex: g.src.index, Rule: g.src.key(), RuleLocation: g.src.from.ruleLocation(g.src.index),
		}
		if g.src.from != n {
			rg.AggregatedFrom = g.src.from.ref.Name
		}
		role.NodeAccess = append(role.NodeAccess, rg)
	}
	for _, in := range a.ineffective {
		p := rolePath(n, in.src)
		role.Ineffective = append(role.Ineffective, in.fact(&p))
	}
	return role
}

// refCompare orders refs by kind, namespace, name.
func refCompare(a, b *facts.Ref) int {
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// errorf records a resolve-stage scan error at loc.
func (r *resolver) errorf(loc facts.Location, format string, args ...any) {
	r.errs = append(r.errs, scanError(loc, format, args...))
}

// scanError is a resolve-stage scan error at loc.
func scanError(loc facts.Location, format string, args ...any) finding.ScanError {
	src := loc.File
	if src == "" {
		src = loc.URI
	}
	return finding.ScanError{Stage: "resolve", Source: src, Line: loc.Line, Message: fmt.Sprintf(format, args...)}
}
