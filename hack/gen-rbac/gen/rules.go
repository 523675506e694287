package gen

import (
	"fmt"
	"slices"
)

// common are the node subresources most roles name; rare the others.
var (
	commonSubs = []string{"proxy", "stats", "metrics", "log"}
	rareSubs   = []string{"spec", "pods", "configz", "healthz", "checkpoint"}
)

// nodeVerbs are the verb lists node rules use; every one contains get,
// create or '*', so every node rule grants something.
var nodeVerbs = [][]string{
	{"get"}, {"get", "list"}, {"create"}, {"get", "create"}, {"get", "list", "watch"}, {"*"}, {"create", "list"},
}

// verbMask is the node access of verbs on the given subresources.
func verbMask(verbs []string, subs ...string) mask {
	var m mask
	for _, s := range subs {
		for vi, v := range Verbs {
			if slices.Contains(verbs, v) || slices.Contains(verbs, "*") {
				m |= 1 << bitOf(subIndex(s), vi)
			}
		}
	}
	return m
}

// nodeRule writes a rule granting node access and returns the access it
// means. Variant 4 narrows it to named nodes (still access: to those
// nodes); variant 5 reaches nodes/proxy through "*/proxy" or apiGroups '*'.
func (c *corpus) nodeRule(variant int) (rule, mask) {
	subs := []string{c.pickSub()}
	if c.rng.IntN(3) == 0 {
		if s := c.pickSub(); s != subs[0] {
			subs = append(subs, s)
		}
	}
	verbs := nodeVerbs[c.rng.IntN(len(nodeVerbs))]
	r := rule{groups: []string{""}, verbs: verbs}
	for _, s := range subs {
		r.resources = append(r.resources, "nodes/"+s)
	}
	switch variant {
	case 4:
		r.names = []string{fmt.Sprintf("node-%d", c.rng.IntN(50))}
		if c.rng.IntN(2) == 0 {
			r.names = append(r.names, fmt.Sprintf("node-%d", 50+c.rng.IntN(50)))
		}
	case 5:
		if c.rng.IntN(2) == 0 {
			r.groups = []string{"*"}
		} else {
			subs, r.resources = []string{"proxy"}, []string{"*/proxy"}
		}
	}
	return r, verbMask(verbs, subs...)
}

func (c *corpus) pickSub() string {
	if c.rng.IntN(10) == 0 {
		return rareSubs[c.rng.IntN(len(rareSubs))]
	}
	return commonSubs[c.rng.IntN(len(commonSubs))]
}

// plainPool are ordinary rules: none reaches a node subresource ("nodes",
// "pods/log" and "pods/proxy" are other resources), some are escalation
// permissions, some are narrowed by resourceNames.
var plainPool = []rule{
	{groups: []string{""}, resources: []string{"pods", "services", "endpoints"}, verbs: []string{"get", "list", "watch"}},
	{groups: []string{""}, resources: []string{"configmaps"}, verbs: []string{"get", "update"}, names: []string{"app-config", "feature-flags"}},
	{groups: []string{""}, resources: []string{"secrets"}, verbs: []string{"get"}, names: []string{"tls-cert"}},
	{groups: []string{"apps"}, resources: []string{"deployments", "statefulsets", "daemonsets"}, verbs: []string{"get", "list", "watch", "update", "patch"}},
	{groups: []string{""}, resources: []string{"nodes"}, verbs: []string{"get", "list", "watch"}},
	{groups: []string{""}, resources: []string{"pods/log", "pods/proxy"}, verbs: []string{"get"}},
	{groups: []string{""}, resources: []string{"events"}, verbs: []string{"create", "patch"}},
	{groups: []string{"batch"}, resources: []string{"jobs", "cronjobs"}, verbs: []string{"*"}},
	{groups: []string{""}, resources: []string{"persistentvolumeclaims"}, verbs: []string{"get", "list", "create", "delete"}},
	{groups: []string{"networking.k8s.io"}, resources: []string{"ingresses", "networkpolicies"}, verbs: []string{"get", "list"}},
	{groups: []string{"coordination.k8s.io"}, resources: []string{"leases"}, verbs: []string{"get", "update"}, names: []string{"leader"}},
	{groups: []string{""}, resources: []string{"pods"}, verbs: []string{"create"}},
	{groups: []string{""}, resources: []string{"serviceaccounts/token"}, verbs: []string{"create"}, names: []string{"builder"}},
	{groups: []string{"metrics.k8s.io"}, resources: []string{"pods", "nodes"}, verbs: []string{"get", "list"}},
}

// plainRules picks one to three ordinary rules; escalation permissions
// (the last two of the pool) are rarer.
func (c *corpus) plainRules() []rule {
	n := 1 + c.rng.IntN(3)
	out := make([]rule, 0, n+1)
	for range n {
		i := c.rng.IntN(len(plainPool) - 2)
		if c.rng.IntN(20) == 0 {
			i = len(plainPool) - 2 + c.rng.IntN(2)
		}
		out = append(out, plainPool[i])
	}
	return out
}

// wildcardRole j: '*' everywhere (all access), '*' resources of the core
// group read-only (get on everything), '*' under a foreign API group
// (nothing on nodes) or "*/proxy" create.
func (c *corpus) wildcardRole(j int) *role {
	r := &role{name: fmt.Sprintf("wildcard-%d", j), agg: -1}
	switch j % 4 {
	case 0:
		r.rules = []rule{{groups: []string{"*"}, resources: []string{"*"}, verbs: []string{"*"}}}
		r.own = allMask()
	case 1:
		r.rules = []rule{{groups: []string{""}, resources: []string{"*"}, verbs: []string{"get", "list", "watch"}}}
		r.own = verbMask([]string{"get"}, allSubs()...)
	case 2:
		r.rules = []rule{{groups: []string{"apps"}, resources: []string{"*"}, verbs: []string{"*"}}}
		r.traps++
	case 3:
		r.rules = []rule{{groups: []string{"*"}, resources: []string{"*/proxy"}, verbs: []string{"create"}}}
		r.own = verbMask([]string{"create"}, "proxy")
	}
	r.rules = append(r.rules, c.plainRules()...)
	return r
}

func allSubs() []string {
	return append([]string{}, append(commonSubs, rareSubs...)...)
}

// lookAlikes are rules that read like node access and grant none.
var lookAlikes = []rule{
	{groups: []string{""}, resources: []string{"nodes/*"}, verbs: []string{"get"}},
	{groups: []string{""}, resources: []string{"nodes/logs"}, verbs: []string{"get"}},
	{groups: []string{""}, resources: []string{"node/proxy"}, verbs: []string{"get", "create"}},
	{groups: []string{"apps"}, resources: []string{"nodes/proxy"}, verbs: []string{"*"}},
	{groups: []string{""}, resources: []string{"nodes/proxy", "nodes/stats"}, verbs: []string{"list", "watch"}},
}

// lookAlikeRole is a role whose only node-looking rule grants nothing.
func (c *corpus) lookAlikeRole(name, ns string, j int) *role {
	r := &role{ns: ns, name: name, agg: -1, rules: c.plainRules(), traps: 1}
	r.rules = append(r.rules, lookAlikes[j%len(lookAlikes)])
	return r
}
