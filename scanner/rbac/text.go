package rbac

import (
	"strconv"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// compactRule renders a rule like rbacv1helpers.CompactString in
// k8s.io/kubernetes (pkg/apis/rbac/v1/evaluation_helpers.go), e.g.
// `{APIGroups:[""], Resources:["nodes/proxy"], Verbs:["get"]}`. It is also
// the identity the aggregation controller deduplicates rules by (empty and
// nil lists are equal there, as in equality.Semantic). Lists print as %q
// does: ["" "apps"].
func compactRule(r rbacv1.PolicyRule) string {
	b := make([]byte, 0, 64)
	b = append(b, '{')
	first := true
	for _, f := range [...]struct {
		name string
		vals []string
	}{
		{"APIGroups", r.APIGroups}, {"Resources", r.Resources}, {"NonResourceURLs", r.NonResourceURLs},
		{"ResourceNames", r.ResourceNames}, {"Verbs", r.Verbs},
	} {
		if len(f.vals) == 0 {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = append(b, f.name...)
		b = append(b, ":["...)
		for i, v := range f.vals {
			if i > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendQuote(b, v)
		}
		b = append(b, ']')
	}
	return string(append(b, '}'))
}

// refText renders a ref as `Kind "name"` or `Kind "ns/name"` (the name
// quoted as %q does).
func refText(r facts.Ref) string {
	if r.Namespace != "" {
		return r.Kind + " " + strconv.Quote(r.Namespace+"/"+r.Name)
	}
	return r.Kind + " " + strconv.Quote(r.Name)
}

// refKey renders "Kind ns/name" or "Kind name", like the policies' ref_text.
func refKey(r facts.Ref) string {
	if r.Namespace != "" {
		return r.Kind + " " + r.Namespace + "/" + r.Name
	}
	return r.Kind + " " + r.Name
}

// rolePath is the provenance of a rule of role n, without a binding. It
// is computed once per role rule: every binding to the role shares its
// strings.
func rolePath(n *roleNode, src ruleSrc) facts.Path {
	if p, ok := n.paths[src]; ok {
		return p
	}
	p := newRolePath(n, src)
	if n.paths == nil {
		n.paths = map[ruleSrc]facts.Path{}
	}
	n.paths[src] = p
	return p
}

func newRolePath(n *roleNode, src ruleSrc) facts.Path {
	p := facts.Path{
		Role: n.ref, RuleIndex: src.index, Rule: src.key(),
		RuleLocation: src.from.ruleLocation(src.index),
	}
	text := refText(n.ref)
	index := strconv.Itoa(src.index)
	p.RuleKey = n.ref.Kind + "/" + n.ref.Name + "#" + index
	if src.from != n {
		from := src.from.ref
		p.AggregatedFrom = &from
		text += " <- aggregated from " + refText(from)
		p.RuleKey = n.ref.Kind + "/" + n.ref.Name + "<-" + from.Name + "#" + index
	}
	// Rule numbers in text are 1-based, as a reader counts; RuleIndex is 0-based.
	p.Text = text + " rule #" + strconv.Itoa(src.index+1) + " (" + p.RuleLocation.String() + ")"
	return p
}

// bindingText is a binding's part of its paths, rendered once per binding.
type bindingText struct {
	ref       facts.Ref
	text, key string // refText and refKey
}

func newBindingText(b facts.Ref) bindingText {
	return bindingText{ref: b, text: refText(b), key: refKey(b)}
}

// bindingPath prefixes a role path with the binding that grants it. The
// path is shared by every subject of the binding.
func bindingPath(b bindingText, n *roleNode, src ruleSrc) *facts.Path {
	p := rolePath(n, src)
	p.Binding = b.ref
	p.Text = b.text + " -> " + p.Text
	p.Key = b.key + "|" + p.RuleKey
	return &p
}

// bindingPaths hands out one binding's paths: the facts of one rule (a
// rule granting proxy, stats and metrics gives three grants) come one
// after the other and share one *Path instead of each building its own.
type bindingPaths struct {
	bt  bindingText
	n   *roleNode
	src ruleSrc
	p   *facts.Path
}

func (bp *bindingPaths) of(src ruleSrc) *facts.Path {
	if bp.p == nil || bp.src != src {
		bp.src, bp.p = src, bindingPath(bp.bt, bp.n, src)
	}
	return bp.p
}

// refPath is bindingPath for a binding whose text is not at hand: it
// renders the binding's part straight into the path's strings.
func refPath(b facts.Ref, n *roleNode, src ruleSrc) *facts.Path {
	p := rolePath(n, src)
	p.Binding = b
	name := b.Name
	if b.Namespace != "" {
		name = b.Namespace + "/" + b.Name
	}
	p.Text = b.Kind + " " + strconv.Quote(name) + " -> " + p.Text
	p.Key = b.Kind + " " + name + "|" + p.RuleKey
	return &p
}

// missingPath is the provenance of a binding whose role does not exist.
func missingPath(b, role facts.Ref) *facts.Path {
	return &facts.Path{Binding: b, Role: role, Text: refText(b) + " -> " + refText(role) + " (not found)"}
}
