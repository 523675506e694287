package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// rulePerm is a permission in one rule that can lead to node access.
type rulePerm struct {
	kind      string
	resources []string
	verbs     []string
	names     []string
	// cluster is true for cluster-scoped resources, which a RoleBinding never grants.
	cluster bool
}

// permSpec says which request makes a permission an escalation.
type permSpec struct {
	kind      string
	group     string
	resources []string
	verbs     []string
	cluster   bool
}

var permSpecs = []permSpec{
	{facts.EscalationBind, rbacGroup, []string{"clusterroles"}, []string{"bind"}, true},
	{facts.EscalationEscalate, rbacGroup, []string{"clusterroles"}, []string{"escalate"}, true},
	{facts.EscalationImpersonate, coreGroup, []string{"users"}, []string{"impersonate"}, true},
	{facts.EscalationImpersonate, coreGroup, []string{"groups"}, []string{"impersonate"}, true},
	{facts.EscalationImpersonate, coreGroup, []string{"serviceaccounts"}, []string{"impersonate"}, false},
	{facts.EscalationBindings, rbacGroup, []string{"clusterrolebindings"}, writeVerbs, true},
	{facts.EscalationBindings, rbacGroup, []string{"rolebindings"}, writeVerbs, false},
	{facts.EscalationRoles, rbacGroup, []string{"clusterroles"}, writeVerbs, true},
	{facts.EscalationPods, coreGroup, []string{"pods", "replicationcontrollers"}, []string{"create"}, false},
	{facts.EscalationPods, "apps", []string{"deployments", "daemonsets", "statefulsets", "replicasets"}, []string{"create"}, false},
	{facts.EscalationPods, "batch", []string{"jobs", "cronjobs"}, []string{"create"}, false},
	{facts.EscalationToken, coreGroup, []string{"serviceaccounts/token"}, []string{"create"}, false},
}

var writeVerbs = []string{"create", "update", "patch"}

// escalationVerbs prefilters rules: only these verbs matter.
var escalationVerbs = map[string]bool{"*": true, "bind": true, "escalate": true, "impersonate": true, "create": true, "update": true, "patch": true}

// escalationPerms returns the escalation-relevant permissions of rule.
// Create requests carry no object name, so a rule with resourceNames never
// allows them (ResourceNameMatches with an empty name); create on
// serviceaccounts/token names the ServiceAccount and can be narrowed.
func escalationPerms(rule *rbacv1.PolicyRule) []rulePerm {
	if !slices.ContainsFunc(rule.Verbs, func(v string) bool { return escalationVerbs[v] }) || len(rule.Resources) == 0 {
		return nil
	}
	var out []rulePerm
	for _, spec := range permSpecs {
		if !slices.Contains(rule.APIGroups, spec.group) && !slices.Contains(rule.APIGroups, rbacv1.APIGroupAll) {
			continue
		}
		p := rulePerm{kind: spec.kind, cluster: spec.cluster}
		for _, res := range spec.resources {
			if !mentions(rule.Resources, res) {
				continue
			}
			matched := false
			for _, v := range spec.verbs {
				names := rule.ResourceNames
				if v == "create" && !strings.Contains(res, "/") {
					names = nil
				}
				if allows(rule, v, spec.group, res, names) {
					matched = true
					p.verbs = append(p.verbs, v)
				}
			}
			if matched {
				p.resources = append(p.resources, res)
			}
		}
		if len(p.resources) == 0 {
			continue
		}
		sort.Strings(p.verbs)
		p.verbs = slices.Compact(p.verbs)
		if !(len(p.verbs) == 1 && p.verbs[0] == "create" && p.kind != facts.EscalationToken) {
			p.names = sortedCopy(rule.ResourceNames)
		}
		if p.names == nil {
			p.names = []string{}
		}
		out = append(out, p)
	}
	return out
}

// mentions is a cheap prefilter: could resources match res at all?
func mentions(resources []string, res string) bool {
	_, sub, _ := strings.Cut(res, "/")
	for _, r := range resources {
		if r == res || r == rbacv1.ResourceAll || sub != "" && r == "*/"+sub {
			return true
		}
	}
	return false
}

// heldPerm is a permission a subject holds through one binding. It is
// shared by the binding's subjects; its path is rendered on first use
// because most permissions never become escalations.
type heldPerm struct {
	srcPerm
	namespace string // "" = cluster-wide (ClusterRoleBinding)
	binding   facts.Ref
	role      *roleNode
	path      *facts.Path
}

// pathOf returns the binding -> role -> rule path of p, computed once.
func (p *heldPerm) pathOf() facts.Path {
	if p.path == nil {
		path := bindingPath(p.binding, p.role, p.src)
		p.path = &path
	}
	return *p.path
}

// nodeHolders indexes subjects with node access for escalation targets.
type nodeHolders struct {
	sasByNS  map[string][]string // ServiceAccount IDs by namespace
	allSAs   []string
	saGroups map[string][]string // namespace -> SA group IDs with access ("" = system:serviceaccounts)
	users    map[string]bool     // User names
	groups   map[string]bool     // Group names
	pods     map[string][]string // podTargets cache by namespace
	seen     map[string]bool
}

func indexHolders(subjects map[string]*facts.Subject, extra []string) nodeHolders {
	h := nodeHolders{sasByNS: map[string][]string{}, saGroups: map[string][]string{}, users: map[string]bool{}, groups: map[string]bool{}, pods: map[string][]string{}, seen: map[string]bool{}}
	for _, s := range subjects {
		if len(s.Grants) == 0 {
			continue
		}
		h.add(s.ID, s.Kind, s.Name, s.Namespace)
	}
	for _, id := range extra {
		kind, name, _ := strings.Cut(id, ":")
		h.add(id, kind, name, "")
	}
	for _, l := range h.sasByNS {
		sort.Strings(l)
	}
	sort.Strings(h.allSAs)
	return h
}

func (h *nodeHolders) add(id, kind, name, ns string) {
	if h.seen[id] {
		return
	}
	h.seen[id] = true
	switch kind {
	case rbacv1.ServiceAccountKind:
		h.sasByNS[ns] = append(h.sasByNS[ns], id)
		h.allSAs = append(h.allSAs, id)
	case rbacv1.UserKind:
		h.users[name] = true
	case rbacv1.GroupKind:
		h.groups[name] = true
		switch {
		case name == groupAllSAs:
			h.saGroups[""] = append(h.saGroups[""], id)
		case strings.HasPrefix(name, groupSAPrefix):
			ns := strings.TrimPrefix(name, groupSAPrefix)
			h.saGroups[ns] = append(h.saGroups[ns], id)
		}
	}
}

// podTargets are the identities a pod created in ns (all namespaces when
// ns is "") can run as that have node access, sorted and unique. The
// result is cached and shared: callers must not modify it.
func (h *nodeHolders) podTargets(ns string) []string {
	if l, ok := h.pods[ns]; ok {
		return l
	}
	l := h.computePodTargets(ns)
	sort.Strings(l)
	l = slices.Compact(l)
	h.pods[ns] = l
	return l
}

func (h *nodeHolders) computePodTargets(ns string) []string {
	var out []string
	if ns == "" {
		out = append(out, h.allSAs...)
		for _, l := range h.saGroups {
			out = append(out, l...)
		}
	} else {
		out = append(out, h.sasByNS[ns]...)
		out = append(out, h.saGroups[ns]...)
		out = append(out, h.saGroups[""]...)
	}
	return out
}

// saTargets are ServiceAccounts with node access in ns ("" = all), named
// in names when names is non-empty.
func (h *nodeHolders) saTargets(ns string, names []string) []string {
	l := h.allSAs
	if ns != "" {
		l = h.sasByNS[ns]
	}
	var out []string
	for _, id := range l {
		if len(names) == 0 || slices.Contains(names, id[strings.LastIndex(id, "/")+1:]) {
			out = append(out, id)
		}
	}
	return out
}

// namedTargets are Users or Groups with node access, narrowed to names.
func namedTargets(kind string, set map[string]bool, names []string) []string {
	var out []string
	for n := range set {
		if len(names) == 0 || slices.Contains(names, n) {
			out = append(out, kind+":"+n)
		}
	}
	sort.Strings(out)
	return out
}

// escalations turns the permissions a subject holds into escalation facts.
func (r *resolver) escalations(subj *facts.Subject, held []*bindingFacts, h *nodeHolders) []facts.Escalation {
	has := map[string]bool{}
	for _, bf := range held {
		for _, p := range bf.perms {
			if p.namespace == "" {
				has[p.kind+"/"+p.resources[0]] = true
			}
		}
	}
	out := []facts.Escalation{}
	for _, bf := range held {
		for i := range bf.perms {
			p := &bf.perms[i]
			if e, ok := r.escalation(subj, *p, h, has); ok {
				e.Path = p.pathOf()
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Path.Text < b.Path.Text
	})
	return out
}

// escalation builds one escalation fact, or false when the permission
// reaches no node access.
func (r *resolver) escalation(subj *facts.Subject, p heldPerm, h *nodeHolders, has map[string]bool) (facts.Escalation, bool) {
	e := facts.Escalation{
		Kind: p.kind, Verbs: p.verbs, Resource: strings.Join(p.resources, ","), Names: p.names,
		Namespace: p.namespace, Targets: []string{},
	}
	where := "in every namespace"
	if p.namespace != "" {
		where = fmt.Sprintf("in namespace %q", p.namespace)
	}
	switch p.kind {
	case facts.EscalationPods:
		e.Targets = h.without(h.podTargets(p.namespace), subj.ID)
		e.Detail = fmt.Sprintf("can create %s %s and so run a pod as an identity with node access (%s): its token reaches the kubelet", e.Resource, where, listText(e.Targets))
	case facts.EscalationToken:
		e.Targets = h.without(h.saTargets(p.namespace, p.names), subj.ID)
		e.Detail = fmt.Sprintf("can request tokens for ServiceAccounts %s that have node access (%s)", where, listText(e.Targets))
	case facts.EscalationImpersonate:
		return r.impersonation(subj, p, h, e, where)
	case facts.EscalationBindings:
		return bindingsEscalation(p, h, e, has)
	case facts.EscalationBind:
		return r.bindEscalation(p, e, has)
	case facts.EscalationEscalate:
		e.Detail = fmt.Sprintf("can add any permission, e.g. nodes/proxy, to %s", rolesText(p.names))
		e.Detail += needs(has[facts.EscalationRoles+"/clusterroles"], "update on those ClusterRoles")
		return e, true
	case facts.EscalationRoles:
		e.Detail = "can create/update ClusterRoles and write nodes/proxy into one"
		e.Detail += needs(has[facts.EscalationEscalate+"/clusterroles"], "escalate on clusterroles (or to hold nodes/proxy already)")
		return e, true
	}
	return e, len(e.Targets) > 0
}

// impersonation: impersonating users or groups is cluster-scoped; a
// ServiceAccount can be impersonated where the binding reaches.
func (r *resolver) impersonation(subj *facts.Subject, p heldPerm, h *nodeHolders, e facts.Escalation, where string) (facts.Escalation, bool) {
	switch p.resources[0] {
	case "users":
		e.Targets = namedTargets(rbacv1.UserKind, h.users, p.names)
	case "groups":
		e.Targets = namedTargets(rbacv1.GroupKind, h.groups, p.names)
	default:
		e.Targets = h.saTargets(p.namespace, p.names)
	}
	e.Targets = h.without(e.Targets, subj.ID)
	switch {
	case len(p.names) == 0 && p.namespace == "":
		e.Detail = anyImpersonation[p.resources[0]]
	case len(e.Targets) > 0:
		e.Detail = fmt.Sprintf("can impersonate %s %s that have node access (%s)", p.resources[0], where, listText(e.Targets))
	default:
		return e, false
	}
	return e, true
}

// anyImpersonation explains unrestricted impersonation per resource.
var anyImpersonation = map[string]string{
	"users":           "can impersonate any user, e.g. a kubelet client such as kube-apiserver-kubelet-client or system:node:<name>, and act with its node access",
	"groups":          "can impersonate any group, e.g. system:masters (bound to cluster-admin, which has nodes/proxy), and so act as cluster-admin",
	"serviceaccounts": "can impersonate any ServiceAccount in every namespace and act with its node access",
}

func bindingsEscalation(p heldPerm, h *nodeHolders, e facts.Escalation, has map[string]bool) (facts.Escalation, bool) {
	if p.resources[0] == "rolebindings" {
		// A RoleBinding never grants nodes; it can grant pod creation in a
		// namespace where a ServiceAccount with node access runs.
		e.Targets = h.podTargets(p.namespace)
		e.Detail = fmt.Sprintf("can create RoleBindings; they never grant nodes, but binding a role that creates pods (e.g. edit) reaches ServiceAccounts with node access (%s)", listText(e.Targets))
		e.Detail += needs(has[facts.EscalationBind+"/clusterroles"], "bind on such a role (or to hold its permissions already)")
		return e, p.namespace == "" && len(e.Targets) > 0
	}
	e.Detail = "can create RoleBindings/ClusterRoleBindings; together with bind on a role that has nodes/proxy (e.g. cluster-admin) this grants node exec"
	e.Detail += needs(has[facts.EscalationBind+"/clusterroles"], "bind on such a ClusterRole (or to hold nodes/proxy already)")
	return e, true
}

func (r *resolver) bindEscalation(p heldPerm, e facts.Escalation, has map[string]bool) (facts.Escalation, bool) {
	var withAccess []string
	for _, name := range p.names {
		if n := r.roles.cluster[name]; n != nil && analyze(n).hasNodeAccess() {
			withAccess = append(withAccess, name)
		}
	}
	if len(p.names) > 0 && len(withAccess) == 0 {
		return e, false
	}
	e.Detail = "can bind any ClusterRole, e.g. cluster-admin with nodes/proxy, without holding its permissions"
	if len(withAccess) > 0 {
		e.Detail = fmt.Sprintf("can bind ClusterRoles with node access (%s) without holding their permissions", strings.Join(withAccess, ", "))
	}
	e.Detail += needs(has[facts.EscalationBindings+"/clusterrolebindings"], "create on clusterrolebindings")
	return e, true
}

// needs says whether the second permission an escalation needs is held.
func needs(held bool, what string) string {
	if held {
		return "; it also holds " + what
	}
	return "; on its own this is not enough: it also needs " + what + ", which it lacks"
}

// listText names up to three IDs and counts the rest.
func listText(ids []string) string {
	if len(ids) <= 3 {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:3], ", "), len(ids)-3)
}

func rolesText(names []string) string {
	if len(names) == 0 {
		return "any ClusterRole"
	}
	return "ClusterRoles " + quoteList(names)
}

// without is without(ids, id), skipping the scan when id holds no node
// access and so cannot be among the targets (every target is a holder).
func (h *nodeHolders) without(ids []string, id string) []string {
	if !h.seen[id] {
		if ids == nil {
			return []string{}
		}
		return ids
	}
	return without(ids, id)
}

// without returns the sorted, unique ids less id; ids itself (shared)
// when it lacks id.
func without(ids []string, id string) []string {
	if !slices.Contains(ids, id) {
		if ids == nil {
			return []string{}
		}
		return ids
	}
	out := make([]string, 0, len(ids)-1)
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
