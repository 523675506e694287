package gen

import "fmt"

// special returns a subject that stands for many identities at once:
// system:authenticated, system:serviceaccounts:<ns>, system:unauthenticated
// or system:anonymous. The cluster-wide system:serviceaccounts group is
// bound once, to a role without node access (see clusterBindings): with
// node access it would make every pod creator in the cluster an escalation
// path, which no real cluster survives for long.
func (c *corpus) special(i int) subject {
	switch i % 4 {
	case 0:
		return subject{kind: "Group", name: "system:authenticated"}
	case 1:
		return subject{kind: "Group", name: "system:serviceaccounts:" + c.ns[c.rng.IntN(len(c.ns))]}
	case 2:
		return subject{kind: "Group", name: "system:unauthenticated"}
	default:
		return subject{kind: "User", name: "system:anonymous"}
	}
}

// plainClusterRole is the first ClusterRole without node access, as
// written and after aggregation.
func (c *corpus) plainClusterRole() string {
	for _, r := range c.cluster {
		if r.agg < 0 && c.effective[r.name] == 0 && len(r.into) == 0 && r.builtinInto == "" {
			return r.name
		}
	}
	panic("gen: no plain ClusterRole") // every size has hundreds
}

// subjects picks one to three subjects. ns is the RoleBinding's namespace
// ("" for a ClusterRoleBinding): RoleBindings mostly bind their own
// namespace's ServiceAccounts, half of them without a namespace field.
func (c *corpus) subjects(ns string) []subject {
	n := 1
	switch p := c.rng.IntN(10); {
	case p >= 9:
		n = 3
	case p >= 6:
		n = 2
	}
	out := make([]subject, 0, n)
	for range n {
		switch p := c.rng.IntN(1000); {
		case p < 5:
			out = append(out, c.special(c.rng.IntN(4)))
		case p < 500:
			out = append(out, c.serviceAccount(ns))
		case p < 800:
			out = append(out, subject{kind: "User", name: fmt.Sprintf("user-%d@example.com", c.rng.IntN(c.users))})
		default:
			out = append(out, subject{kind: "Group", name: fmt.Sprintf("team-%d", c.rng.IntN(c.groups))})
		}
	}
	return out
}

func (c *corpus) serviceAccount(ns string) subject {
	sa := fmt.Sprintf("sa-%d", c.rng.IntN(c.saPerNS))
	if ns != "" && c.rng.IntN(10) < 7 {
		return subject{kind: "ServiceAccount", name: sa, ns: ns, omitNS: c.rng.IntN(2) == 0}
	}
	return subject{kind: "ServiceAccount", name: sa, ns: c.ns[c.rng.IntN(len(c.ns))]}
}

// clusterBindings makes the ClusterRoleBindings: one for every node,
// aggregated, wildcard and look-alike role (special groups on eight of the
// node roles), one binding of system:serviceaccounts, bindings to built-in roles and to missing roles, then random
// ClusterRoles. Objects the API server would reject (a roleRef to a Role,
// a ServiceAccount subject without namespace) are left out: they are
// resolver unit-test material and would turn every scan into a partial one.
func (c *corpus) clusterBindings() {
	total := c.size.Bindings * 2 / 5
	add := func(kind, roleName string, subs []subject, json bool) {
		c.crbs = append(c.crbs, &binding{name: fmt.Sprintf("crb-%d", len(c.crbs)), roleKind: kind, roleName: roleName, subjects: subs, json: json})
	}
	j := 0
	for _, r := range c.cluster {
		if r.own == 0 && r.agg < 0 && r.traps == 0 {
			continue
		}
		subs := c.subjects("")
		if r.own != 0 {
			if j%4 == 0 && j < 32 {
				subs = append(subs, c.special(j/4))
			}
			j++
		}
		add("ClusterRole", r.name, subs, false)
	}
	add("ClusterRole", c.plainClusterRole(), []subject{{kind: "Group", name: "system:serviceaccounts"}}, false)
	q := max(1, c.size.Bindings/5000)
	for i := range q {
		add("ClusterRole", builtinClusterAdmin, c.subjects(""), true)
		add("ClusterRole", builtinKubeletAdmin, c.subjects(""), true)
		add("ClusterRole", fmt.Sprintf("missing-role-%d", i), c.subjects(""), false)
	}
	for i := range max(3, c.size.Bindings/1000) {
		add("ClusterRole", builtinAggregated[i%len(builtinAggregated)], c.subjects(""), true)
	}
	for len(c.crbs) < total {
		add("ClusterRole", c.cluster[c.rng.IntN(len(c.cluster))].name, c.subjects(""), false)
	}
}

// roleBindings makes the RoleBindings: one to every node or look-alike
// ClusterRole and every trap Role (all grant nothing on nodes), some to
// cluster-admin (namespace admins), then a Role of the namespace (70%) or
// a random ClusterRole.
func (c *corpus) roleBindings() {
	total := c.size.Bindings - len(c.crbs)
	add := func(ns, kind, roleName string) {
		c.rbs = append(c.rbs, &binding{ns: ns, name: fmt.Sprintf("rb-%d", len(c.rbs)), roleKind: kind, roleName: roleName, subjects: c.subjects(ns)})
	}
	for _, r := range c.cluster {
		if r.own != 0 || r.traps > 0 {
			add(c.ns[c.rng.IntN(len(c.ns))], "ClusterRole", r.name)
		}
	}
	for _, r := range c.roles {
		if r.traps > 0 {
			add(r.ns, "Role", r.name)
		}
	}
	for range max(1, c.size.Bindings/2000) {
		add(c.ns[c.rng.IntN(len(c.ns))], "ClusterRole", builtinClusterAdmin)
	}
	for len(c.rbs) < total {
		ns := c.ns[len(c.rbs)%len(c.ns)]
		if local := c.rolesByNS[ns]; len(local) > 0 && c.rng.IntN(10) < 7 {
			add(ns, "Role", local[c.rng.IntN(len(local))].name)
			continue
		}
		add(ns, "ClusterRole", c.cluster[c.rng.IntN(len(c.cluster))].name)
	}
}
