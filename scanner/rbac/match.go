package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// API groups and resources the analysis asks about.
const (
	coreGroup  = ""
	rbacGroup  = rbacv1.GroupName
	nodesRes   = "nodes"
	nodePrefix = "nodes/"
)

// ruleGrant is node access one rule gives: one subresource, its verbs.
type ruleGrant struct {
	sub      string
	verbs    []string
	nodes    []string
	wildcard bool
}

// ruleIneffective is a look-alike node grant in one rule.
type ruleIneffective struct {
	reason, resource, detail string
	verbs                    []string
}

// allows reports whether rule authorizes verb on group/resource (resource
// may be "res/sub") for the given resource names, exactly as the RBAC
// authorizer does: it is component-helpers' validation.Covers of the
// atomic request by the one rule, written out without building the
// request rules (TestAllowsMatchesCovers compares the two). names narrows
// the request like a named object; a rule with resourceNames covers only
// requests for those names.
func allows(rule *rbacv1.PolicyRule, verb, group, resource string, names []string) bool {
	if !hasAny(rule.Verbs, rbacv1.VerbAll, verb) || !hasAny(rule.APIGroups, rbacv1.APIGroupAll, group) || !resourceCovers(rule.Resources, resource) {
		return false
	}
	if len(rule.ResourceNames) == 0 {
		return true
	}
	for _, n := range names {
		if !slices.Contains(rule.ResourceNames, n) {
			return false
		}
	}
	return len(names) > 0
}

// hasAny reports whether set contains a or b.
func hasAny(set []string, a, b string) bool {
	for _, s := range set {
		if s == a || s == b {
			return true
		}
	}
	return false
}

// resourceCovers is validation's resourceCoversAll for one resource: '*',
// the resource itself, or "*/<sub>" for a subresource ("<sub>" being
// everything after the first slash).
func resourceCovers(set []string, res string) bool {
	i := strings.IndexByte(res, '/')
	for _, s := range set {
		if s == rbacv1.ResourceAll || s == res || i >= 0 && len(s) == len(res)-i+1 && s[:2] == "*/" && s[2:] == res[i+1:] {
			return true
		}
	}
	return false
}

// mayTouchNodes is a cheap prefilter: only rules with the core or '*' API
// group and a resource that could match nodes/<sub> (or look like it) need
// the exact analysis.
func mayTouchNodes(rule *rbacv1.PolicyRule) bool {
	for _, r := range rule.Resources {
		if r == rbacv1.ResourceAll || strings.HasPrefix(r, "*/") || strings.HasPrefix(r, nodePrefix) || strings.HasPrefix(r, "node/") {
			return true
		}
	}
	return false
}

// nodeGrants returns the node subresources rule grants, one entry per
// subresource with the effective verbs it allows.
func nodeGrants(rule *rbacv1.PolicyRule) []ruleGrant {
	if !mayTouchNodes(rule) {
		return nil
	}
	var out []ruleGrant
	for _, sub := range facts.Subresources {
		res := nodePrefix + sub
		var verbs []string
		literalVerbs := true
		for _, v := range facts.EffectiveVerbs {
			if allows(rule, v, coreGroup, res, rule.ResourceNames) {
				verbs = append(verbs, v)
				literalVerbs = literalVerbs && slices.Contains(rule.Verbs, v)
			}
		}
		if len(verbs) == 0 {
			continue
		}
		sort.Strings(verbs)
		out = append(out, ruleGrant{
			sub:      sub,
			verbs:    verbs,
			nodes:    sortedCopy(rule.ResourceNames),
			wildcard: !literalVerbs || !slices.Contains(rule.Resources, res) || !slices.Contains(rule.APIGroups, coreGroup),
		})
	}
	return out
}

// nodeIneffective finds look-alike node grants in rule: nodes/* (not a
// wildcard), nodes/logs or node/proxy (not subresources), node
// subresources under a foreign API group, and verbs the kubelet never
// checks on a node subresource the rule names.
func nodeIneffective(rule *rbacv1.PolicyRule) []ruleIneffective {
	if !mayTouchNodes(rule) {
		return nil
	}
	var out []ruleIneffective
	groupOK := slices.Contains(rule.APIGroups, coreGroup) || slices.Contains(rule.APIGroups, rbacv1.APIGroupAll)
	verbs := sortedCopy(rule.Verbs)
	for _, res := range rule.Resources {
		if reason, detail := lookAlike(res); reason != "" {
			out = append(out, ruleIneffective{reason: reason, resource: res, detail: detail, verbs: verbs})
			continue
		}
		sub, named := namedSubresource(res)
		switch {
		case !named:
		case strings.HasPrefix(res, nodePrefix) && !groupOK:
			out = append(out, ruleIneffective{
				reason: facts.IneffectiveAPIGroup, resource: res, verbs: verbs,
				detail: fmt.Sprintf("%s is in the core API group (\"\"); under apiGroups %s it matches nothing and grants nothing on the kubelet", res, quoteList(rule.APIGroups)),
			})
		case groupOK:
			if bad := neverChecked(rule.Verbs); len(bad) > 0 {
				out = append(out, ruleIneffective{reason: facts.IneffectiveVerb, resource: nodePrefix + sub, verbs: bad, detail: verbDetail(bad, nodePrefix+sub)})
			}
		}
	}
	return out
}

// namedSubresource reports whether res names a kubelet node subresource
// explicitly: "nodes/<sub>" or "*/<sub>".
func namedSubresource(res string) (string, bool) {
	for _, p := range []string{nodePrefix, "*/"} {
		if sub, ok := strings.CutPrefix(res, p); ok && slices.Contains(facts.Subresources, sub) {
			return sub, true
		}
	}
	return "", false
}

// apiSubresources are real API-server subresources of nodes; they are not
// kubelet subresources but are not look-alikes either.
var apiSubresources = map[string]bool{"status": true}

// hints suggest the real subresource for common look-alikes.
var hints = map[string]string{
	"logs": `did you mean "nodes/log"?`, "metric": `did you mean "nodes/metrics"?`, "stat": `did you mean "nodes/stats"?`,
	"exec": `exec is authorized as "nodes/proxy"`, "attach": `attach is authorized as "nodes/proxy"`,
	"portforward": `port-forward is authorized as "nodes/proxy"`, "run": `run is authorized as "nodes/proxy"`,
	"containerlogs": `container logs are authorized as "nodes/proxy"`,
}

// lookAlike classifies resource strings that resemble node subresources
// but match none: "nodes/*", "nodes/logs", "node/proxy".
func lookAlike(res string) (reason, detail string) {
	if res == "nodes/*" {
		return facts.IneffectiveNotWildcard, `"nodes/*" is not a wildcard in RBAC (only "*" and "*/<subresource>" are): it matches no node subresource and grants nothing`
	}
	if sub, ok := strings.CutPrefix(res, "node/"); ok {
		return facts.IneffectiveNotSubresource, fmt.Sprintf("%q names resource \"node\", which does not exist (the resource is \"nodes\", e.g. \"nodes/%s\"): this grants nothing", res, sub)
	}
	sub, ok := strings.CutPrefix(res, nodePrefix)
	if !ok || apiSubresources[sub] || slices.Contains(facts.Subresources, sub) {
		return "", ""
	}
	d := fmt.Sprintf("%q is not a node subresource the kubelet checks", res)
	if h := hints[strings.ToLower(sub)]; h != "" {
		d += " (" + h + ")"
	}
	return facts.IneffectiveNotSubresource, d + ": this grants nothing"
}

// neverChecked returns the named verbs that are neither '*' nor an
// effective kubelet verb, sorted.
func neverChecked(verbs []string) []string {
	var bad []string
	for _, v := range verbs {
		if v != rbacv1.VerbAll && !slices.Contains(facts.EffectiveVerbs, v) {
			bad = append(bad, v)
		}
	}
	sort.Strings(bad)
	return slices.Compact(bad)
}

// verbDetail says what verbs that the kubelet never checks really allow.
func verbDetail(verbs []string, res string) string {
	are := "are"
	if len(verbs) == 1 {
		are = "is"
	}
	return fmt.Sprintf("%s on %s %s never checked by the kubelet or the API server node proxy (they map HTTP methods to get, create, update, patch, delete): this grants nothing",
		strings.Join(verbs, "/"), res, are)
}

func sortedCopy(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

func quoteList(in []string) string {
	q := make([]string, len(in))
	for i, s := range in {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
