package gen

import (
	"fmt"
	"math/rand/v2"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// mask is node access as bits: bit subresource*2+verb, subresource an
// index into facts.Subresources and verb an index into Verbs.
type mask uint32

func bitOf(sub, verb int) int { return sub*len(Verbs) + verb }

// Label keys the generator's own aggregated roles select on, and the
// built-in aggregation labels of view, edit and admin.
const (
	labelAggTo = "gen.kubelet-audit.io/aggregate-to"
	labelTier  = "gen.kubelet-audit.io/tier"
	labelK8s   = "rbac.authorization.k8s.io/aggregate-to-"
)

// rule is one PolicyRule as written.
type rule struct {
	groups, resources, verbs, names []string
}

// role is a Role (ns set) or ClusterRole.
type role struct {
	ns, name string
	labels   [][2]string
	rules    []rule
	// own is the node access the generator wrote into rules.
	own mask
	// aggregated roles: index of the role in corpus.aggs; -1 otherwise.
	agg int
	// into lists the indexes of generated aggregated roles whose selectors
	// match the labels; builtinInto names view, edit or admin.
	into        []int
	builtinInto string
	traps       int
}

// subject is a binding subject; omitNS leaves a ServiceAccount's
// namespace out so it defaults to the RoleBinding's.
type subject struct {
	kind, name, ns string
	omitNS         bool
}

// id is the facts subject ID the subject stands for in a binding of
// namespace bindingNS ("" for a ClusterRoleBinding), or "" when it can
// match nobody.
func (s subject) id(bindingNS string) string {
	if s.kind != "ServiceAccount" {
		return s.kind + ":" + s.name
	}
	ns := s.ns
	if s.omitNS {
		ns = bindingNS
	}
	if ns == "" {
		return ""
	}
	return "ServiceAccount:" + ns + "/" + s.name
}

// binding is a RoleBinding (ns set) or ClusterRoleBinding.
type binding struct {
	ns, name           string
	roleKind, roleName string
	subjects           []subject
	json               bool // written in the JSON List file
}

// workload runs pods as a ServiceAccount.
type workload struct {
	kind, ns, name, sa string
	noAutomount        bool
}

// corpus is the whole generated cluster before it is written.
type corpus struct {
	size      Size
	seed      uint64
	rng       *rand.Rand
	ns        []string
	saPerNS   int
	users     int
	groups    int
	workloads []workload
	cluster   []*role // ClusterRoles, aggregated ones first
	aggs      []*role
	roles     []*role // namespaced Roles
	rolesByNS map[string][]*role
	crbs      []*binding
	rbs       []*binding
	effective map[string]mask // ClusterRole name -> node access after aggregation
	nodeRoles int
	traps     int
}

// Built-in ClusterRoles the corpus binds; their node access is written
// down from the bootstrap policy (cluster-admin: '*' on '*';
// system:kubelet-api-admin: '*' on nodes/{log,metrics,proxy,stats} and
// nodes/{configz,healthz,pods}), not computed by the resolver.
const (
	builtinClusterAdmin = "cluster-admin"
	builtinKubeletAdmin = "system:kubelet-api-admin"
)

var builtinAggregated = []string{"view", "edit", "admin"}

func allMask() mask { return mask(1)<<(len(facts.Subresources)*len(Verbs)) - 1 }

// subMask is every verb on the named subresources.
func subMask(subs ...string) mask {
	var m mask
	for _, s := range subs {
		for vi := range Verbs {
			m |= 1 << bitOf(subIndex(s), vi)
		}
	}
	return m
}

func subIndex(s string) int {
	for i, x := range facts.Subresources {
		if x == s {
			return i
		}
	}
	panic(fmt.Sprintf("gen: unknown subresource %q", s)) // programmer error
}

// build generates the whole corpus in memory.
func build(size Size, seed uint64) *corpus {
	c := &corpus{
		size: size, seed: seed, rng: rand.New(rand.NewPCG(seed, uint64(size.Roles)<<20|uint64(size.Bindings))),
		rolesByNS: map[string][]*role{},
	}
	c.identities()
	c.clusterRoles()
	c.namespacedRoles()
	c.resolveIntent()
	c.clusterBindings()
	c.roleBindings()
	return c
}

// identities makes namespaces, ServiceAccounts, workloads and the user and
// group pools.
func (c *corpus) identities() {
	n := c.size.Namespaces
	c.saPerNS = max(2, c.size.Bindings/(5*n))
	c.users = max(20, c.size.Bindings/10)
	c.groups = max(5, c.size.Bindings/100)
	for i := range n {
		ns := fmt.Sprintf("ns-%03d", i)
		c.ns = append(c.ns, ns)
		for s := range c.saPerNS {
			if c.rng.IntN(10) < 2 {
				continue // a ServiceAccount nothing runs as
			}
			kind := "Deployment"
			if s%5 == 4 {
				kind = "DaemonSet"
			}
			c.workloads = append(c.workloads, workload{kind: kind, ns: ns, name: fmt.Sprintf("app-%d", s),
				sa: fmt.Sprintf("sa-%d", s), noAutomount: c.rng.IntN(10) == 0})
		}
		c.workloads = append(c.workloads, workload{kind: "Deployment", ns: ns, name: "web"}) // default ServiceAccount
	}
}

// clusterRoles makes the ClusterRoles: aggregated roles, node roles in six
// variants, wildcard roles, look-alikes, then plain roles to fill the size.
func (c *corpus) clusterRoles() {
	nCR := c.size.Roles * 2 / 5
	nNode := max(8, c.size.Roles/50)
	nAgg := max(2, nCR/200)
	for k := range nAgg {
		r := &role{name: fmt.Sprintf("gen-agg-%d", k), agg: k}
		if k%2 == 0 {
			// Stale stored rules: the aggregation controller replaces them,
			// so offline they grant nothing.
			r.rules = []rule{{groups: []string{""}, resources: []string{"nodes/proxy"}, verbs: []string{"get"}}}
			r.traps++
		}
		c.aggs = append(c.aggs, r)
		c.cluster = append(c.cluster, r)
	}
	for j := range nNode * 7 / 10 {
		c.addCluster(c.nodeClusterRole(j))
	}
	for j := range max(4, c.size.Roles/200) {
		c.addCluster(c.wildcardRole(j))
	}
	for j := range max(3, c.size.Roles/200) {
		c.addCluster(c.lookAlikeRole(fmt.Sprintf("lookalike-%d", j), "", j))
	}
	for j := 0; len(c.cluster) < nCR; j++ {
		r := &role{name: fmt.Sprintf("cr-%d", j), agg: -1, rules: c.plainRules()}
		switch p := c.rng.IntN(100); {
		case p < 5:
			c.labelInto(r, j)
		case p < 6:
			c.labelBuiltin(r, j)
		}
		c.addCluster(r)
	}
}

func (c *corpus) addCluster(r *role) {
	if r.own != 0 {
		c.nodeRoles++
	}
	c.traps += r.traps
	c.cluster = append(c.cluster, r)
}

// nodeClusterRole is node role j: variant j%6 decides how its access is
// written and where it flows.
func (c *corpus) nodeClusterRole(j int) *role {
	r := &role{name: fmt.Sprintf("node-access-%d", j), agg: -1, rules: c.plainRules()}
	nr, m := c.nodeRule(j % 6)
	r.rules = append(r.rules, nr)
	r.own = m
	switch j % 6 {
	case 1, 2:
		c.labelInto(r, j)
	case 3:
		c.labelBuiltin(r, j/6)
	}
	c.rng.Shuffle(len(r.rules), func(a, b int) { r.rules[a], r.rules[b] = r.rules[b], r.rules[a] })
	return r
}

// labelInto labels r into generated aggregated role j%len(aggs), through
// the matchLabels selector (even j) or the matchExpressions one (odd j).
func (c *corpus) labelInto(r *role, j int) {
	k := j % len(c.aggs)
	if j%2 == 0 {
		r.labels = append(r.labels, [2]string{labelAggTo, fmt.Sprintf("agg-%d", k)})
	} else {
		r.labels = append(r.labels, [2]string{labelTier, fmt.Sprintf("t%d", k)})
	}
	r.into = append(r.into, k)
}

// labelBuiltin labels r into view, edit or admin.
func (c *corpus) labelBuiltin(r *role, j int) {
	name := builtinAggregated[j%len(builtinAggregated)]
	r.labels = append(r.labels, [2]string{labelK8s + name, "true"})
	r.builtinInto = name
}

// namespacedRoles makes the Roles, round-robin over namespaces: node
// Roles (bound only by RoleBindings, so they never reach nodes),
// look-alikes, Roles carrying aggregation labels (ignored: only
// ClusterRoles aggregate) and plain Roles.
func (c *corpus) namespacedRoles() {
	nR := c.size.Roles - len(c.cluster)
	nNode := max(8, c.size.Roles/50) - max(8, c.size.Roles/50)*7/10
	for j := range nR {
		ns := c.ns[j%len(c.ns)]
		r := &role{ns: ns, name: fmt.Sprintf("role-%d", j), agg: -1, rules: c.plainRules()}
		switch {
		case j < nNode:
			nr, _ := c.nodeRule(j % 6)
			r.rules = append(r.rules, nr)
			r.traps++
		case j < nNode+max(2, c.size.Roles/200):
			r = c.lookAlikeRole(r.name, ns, j)
		case j%50 == 7:
			r.labels = append(r.labels, [2]string{labelAggTo, "agg-0"}, [2]string{labelK8s + "view", "true"})
		}
		c.traps += r.traps
		c.roles = append(c.roles, r)
		c.rolesByNS[ns] = append(c.rolesByNS[ns], r)
	}
}

// resolveIntent computes every ClusterRole's node access after
// aggregation from what the generator labeled where.
func (c *corpus) resolveIntent() {
	c.effective = map[string]mask{
		builtinClusterAdmin: allMask(),
		builtinKubeletAdmin: subMask("log", "metrics", "proxy", "stats", "configz", "healthz", "pods"),
	}
	agg := make([]mask, len(c.aggs))
	builtin := map[string]mask{}
	for _, r := range c.cluster {
		if r.agg >= 0 {
			continue
		}
		c.effective[r.name] = r.own
		for _, k := range r.into {
			agg[k] |= r.own
		}
		if r.builtinInto != "" {
			builtin[r.builtinInto] |= r.own
		}
	}
	for k, r := range c.aggs {
		c.effective[r.name] = agg[k]
	}
	// The bootstrap chain: view is labeled into edit, edit into admin.
	c.effective["view"] = builtin["view"]
	c.effective["edit"] = builtin["view"] | builtin["edit"]
	c.effective["admin"] = builtin["view"] | builtin["edit"] | builtin["admin"]
}

// bindingMask is the node access a ClusterRoleBinding hands its subjects.
func (c *corpus) bindingMask(b *binding) mask {
	if b.roleKind != "ClusterRole" {
		return 0 // a ClusterRoleBinding to a Role is rejected and grants nothing
	}
	return c.effective[b.roleName]
}
