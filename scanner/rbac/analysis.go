package rbac

import (
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// roleAnalysis is what a role's effective rules mean, computed once per
// role and shared by every binding to it.
type roleAnalysis struct {
	grants      []srcGrant
	ineffective []srcIneffective
	perms       []srcPerm
}

type srcGrant struct {
	ruleGrant
	src ruleSrc
}

type srcIneffective struct {
	ruleIneffective
	src ruleSrc
}

type srcPerm struct {
	rulePerm
	src ruleSrc
}

// analyze returns n's analysis, computing it on first use.
func analyze(n *roleNode) *roleAnalysis {
	if n.analysis != nil {
		return n.analysis
	}
	a := &roleAnalysis{}
	for _, src := range n.effective {
		for _, g := range nodeGrants(src.rule()) {
			a.grants = append(a.grants, srcGrant{g, src})
		}
		for _, in := range nodeIneffective(src.rule()) {
			a.ineffective = append(a.ineffective, srcIneffective{in, src})
		}
		for _, p := range escalationPerms(src.rule()) {
			a.perms = append(a.perms, srcPerm{p, src})
		}
	}
	n.analysis = a
	return a
}

// fact renders a look-alike grant with its path.
func (in srcIneffective) fact(p *facts.Path) facts.Ineffective {
	return facts.Ineffective{Reason: in.reason, Resource: in.resource, Verbs: in.verbs, Detail: in.detail, Path: p}
}

// hasNodeAccess is true when the role grants any node subresource.
func (a *roleAnalysis) hasNodeAccess() bool { return len(a.grants) > 0 }
