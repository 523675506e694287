package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
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

// heldPerm is a permission held through one binding.
type heldPerm struct {
	srcPerm
	namespace string // "" = cluster-wide (ClusterRoleBinding)
}

// heldMask records which of the permissions that complete another
// escalation a subject holds cluster-wide.
type heldMask uint8

const (
	holdsWriteRoles    heldMask    = 1 << iota // create/update/patch clusterroles
	holdsEscalate                              // escalate clusterroles
	holdsBind                                  // bind clusterroles
	holdsWriteClusterB                         // create/update/patch clusterrolebindings
	maskValues         = 1 << iota             // number of distinct masks
)

// provides is the bit p sets in its holder's mask when held cluster-wide.
func (p *heldPerm) provides() heldMask {
	if p.namespace != "" {
		return 0
	}
	switch p.kind + "/" + p.resources[0] {
	case facts.EscalationRoles + "/clusterroles":
		return holdsWriteRoles
	case facts.EscalationEscalate + "/clusterroles":
		return holdsEscalate
	case facts.EscalationBind + "/clusterroles":
		return holdsBind
	case facts.EscalationBindings + "/clusterrolebindings":
		return holdsWriteClusterB
	}
	return 0
}

// needs is the bit of the holder's mask that p's detail depends on.
func (p *heldPerm) needs() heldMask {
	switch p.kind {
	case facts.EscalationEscalate:
		return holdsWriteRoles
	case facts.EscalationRoles:
		return holdsEscalate
	case facts.EscalationBindings:
		return holdsBind
	case facts.EscalationBind:
		return holdsWriteClusterB
	}
	return 0
}

// permRule is the escalation permissions of one role rule as bindings of
// one kind in one namespace hold them. What they yield depends only on the
// subject (flagged in its own target lists when it has node access) and on the
// completing permissions it holds, not on the binding: for subjects without
// node access the result is computed once per relevant mask and shared by
// every binding to the role (the engine's input converter then also
// shares their terms).
type permRule struct {
	perms    []heldPerm
	provides heldMask                       // bits the rule sets in its holder's mask
	needs    heldMask                       // bits of the holder's mask its escalations depend on
	shared   *[maskValues]*groupEscalations // by the relevant bits of the mask
	// sig renders the permissions: rules of many roles grant the same
	// ones, and they share one result per mask (resolver.sharedEsc).
	sig string
}

// signature renders what pr's escalations depend on besides the holder,
// every string and list length-prefixed so that distinct permissions
// never render alike.
func (pr *permRule) signature() string {
	var b []byte
	str := func(x string) {
		b = strconv.AppendInt(b, int64(len(x)), 10)
		b = append(b, ':')
		b = append(b, x...)
	}
	for _, p := range pr.perms {
		str(p.namespace)
		str(p.kind)
		for _, l := range [][]string{p.resources, p.verbs, p.names} {
			b = strconv.AppendInt(b, int64(len(l)), 10)
			b = append(b, '[')
			for _, x := range l {
				str(x)
			}
		}
	}
	return string(b)
}

// sharedKey identifies the shared escalations of equal permissions.
type sharedKey struct {
	sig  string
	mask heldMask
}

// permRulesKey identifies the permRules of a role held through bindings of
// one kind in one namespace.
type permRulesKey struct {
	role     *roleNode
	kind, ns string
}

// permGroup is a permRule held through one binding: its escalations share
// one binding -> role -> rule path, rendered on first use (most
// permissions never become escalations).
type permGroup struct {
	rule    *permRule
	binding facts.Ref
	role    *roleNode
	src     ruleSrc
	path    *facts.Path
}

// groupEscalations is what one rule yields for one subject.
type groupEscalations struct {
	escs []facts.Escalation // sorted by escalationCompare
	path facts.EscalationPath
}

// groupPerms returns the escalation permissions of role n held through
// binding b, one group per rule. A RoleBinding never grants
// cluster-scoped resources.
func (r *resolver) groupPerms(b facts.Ref, n *roleNode, perms []srcPerm) []*permGroup {
	if len(perms) == 0 {
		return nil
	}
	key := permRulesKey{role: n, kind: b.Kind, ns: b.Namespace}
	r.permMu.Lock()
	rules, ok := r.permRules[key]
	if !ok {
		rules = newPermRules(b, perms)
		r.permRules[key] = rules
	}
	r.permMu.Unlock()
	groups := make([]permGroup, len(rules))
	out := make([]*permGroup, len(rules))
	for i, pr := range rules {
		groups[i] = permGroup{rule: pr, binding: b, role: n, src: pr.perms[0].src}
		out[i] = &groups[i]
	}
	return out
}

func newPermRules(b facts.Ref, perms []srcPerm) []*permRule {
	var out []*permRule
	for _, p := range perms {
		if b.Kind == kindRB && p.cluster {
			continue
		}
		if len(out) == 0 || out[len(out)-1].perms[0].src != p.src {
			out = append(out, &permRule{})
		}
		pr := out[len(out)-1]
		pr.perms = append(pr.perms, heldPerm{srcPerm: p, namespace: b.Namespace})
		hp := &pr.perms[len(pr.perms)-1]
		pr.provides |= hp.provides()
		pr.needs |= hp.needs()
	}
	for _, pr := range out {
		pr.sig = pr.signature()
	}
	return out
}

// pathOf returns the binding -> role -> rule path of g, computed once.
func (g *permGroup) pathOf() *facts.Path {
	if g.path == nil {
		g.path = refPath(g.binding, g.role, g.src)
	}
	return g.path
}

// sharedEscalations returns pr's escalations for subjects that are none
// of the targets, computed once per relevant mask.
func (r *resolver) sharedEscalations(pr *permRule, key heldMask, h *nodeHolders) *groupEscalations {
	if pr.shared == nil {
		pr.shared = new([maskValues]*groupEscalations)
	}
	if t := pr.shared[key]; t != nil {
		return t
	}
	sk := sharedKey{sig: pr.sig, mask: key}
	t := r.sharedEsc[sk]
	if t == nil {
		t = r.ruleEscalations(pr, "", key, h)
		r.sharedEsc[sk] = t
	}
	pr.shared[key] = t
	return t
}

// reaches reports whether id is among the targets of ge. Target lists are
// sorted (podTargets, saTargets and namedTargets all sort them).
func (ge *groupEscalations) reaches(id string) bool {
	for i := range ge.escs {
		if _, ok := slices.BinarySearch(ge.escs[i].Targets, id); ok {
			return true
		}
	}
	return false
}

// holderEscalations computes pr's escalations for id, one of the targets
// of the shared ones t. Its escalations keep t's target lists, with id
// flagged in them (facts.Escalation.HolderInTargets), and their details
// name targets without id; an escalation whose only target is id is
// lost. When none is lost, the group is t's with the new details, its
// target list and the holder's flag, which spares merging the long
// target lists again.
func (r *resolver) holderEscalations(pr *permRule, t *groupEscalations, id string, key heldMask, h *nodeHolders) *groupEscalations {
	ge := &groupEscalations{escs: r.escalationsOf(pr, id, key, h)}
	if len(ge.escs) != len(t.escs) {
		ge.group(id)
		return ge
	}
	details := make([]string, len(ge.escs))
	for i := range ge.escs {
		details[i] = ge.escs[i].Detail
	}
	slices.Sort(details)
	ge.path = facts.EscalationPath{
		Kinds: t.path.Kinds, Permissions: t.path.Permissions,
		Details: slices.Compact(details), Targets: t.path.Targets,
		HolderInTargets: facts.HolderInTargets(id, ge.escs),
	}
	ge.path.TargetsText = facts.CapTargets(ge.path.Targets, id, ge.path.HolderInTargets, facts.TargetsShown)
	return ge
}

// ruleEscalations computes the escalations of pr, without their path, for
// subject id ("" for a subject without node access), and their grouping.
func (r *resolver) ruleEscalations(pr *permRule, id string, mask heldMask, h *nodeHolders) *groupEscalations {
	ge := &groupEscalations{escs: r.escalationsOf(pr, id, mask, h)}
	ge.group(id)
	return ge
}

// escalationsOf returns the escalations of pr for id, sorted, without path.
func (r *resolver) escalationsOf(pr *permRule, id string, mask heldMask, h *nodeHolders) []facts.Escalation {
	var out []facts.Escalation
	for i := range pr.perms {
		if e, ok := r.escalation(id, &pr.perms[i], h, mask); ok {
			out = append(out, e)
		}
	}
	sortEscalations(out)
	return out
}

// group sets ge.path from ge.escs, holder's escalations on one path.
func (ge *groupEscalations) group(holder string) {
	if len(ge.escs) > 0 {
		ge.path = facts.GroupEscalations(holder, ge.escs)[0]
	}
}

// nodeHolders indexes subjects with node access for escalation targets.
type nodeHolders struct {
	sasByNS  map[string][]string // ServiceAccount IDs by namespace
	allSAs   []string
	saGroups map[string][]string // namespace -> SA group IDs with access ("" = system:serviceaccounts)
	users    []string            // User IDs, sorted
	groups   []string            // Group IDs, sorted
	pods     map[string][]string // podTargets cache by namespace
	seen     map[string]bool
}

func indexHolders(subjects *subjectTable, extra []string) nodeHolders {
	h := nodeHolders{sasByNS: map[string][]string{}, saGroups: map[string][]string{}, pods: map[string][]string{}, seen: map[string]bool{}}
	for i := range int32(subjects.n) {
		s := subjects.at(i)
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
	sort.Strings(h.users)
	sort.Strings(h.groups)
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
		h.users = append(h.users, id)
	case rbacv1.GroupKind:
		h.groups = append(h.groups, id)
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
// in names when names is non-empty. Without names the result is shared:
// callers must not modify it.
func (h *nodeHolders) saTargets(ns string, names []string) []string {
	l := h.allSAs
	if ns != "" {
		l = h.sasByNS[ns]
	}
	if len(names) == 0 {
		return l // shared, like podTargets
	}
	var out []string
	for _, id := range l {
		if len(names) == 0 || slices.Contains(names, id[strings.LastIndex(id, "/")+1:]) {
			out = append(out, id)
		}
	}
	return out
}

// namedTargets are the Users or Groups with node access (ids, sorted IDs
// of one kind), narrowed to names; ids itself (shared) without names.
func namedTargets(ids, names []string) []string {
	if len(names) == 0 {
		return ids
	}
	var out []string
	for _, id := range ids {
		_, n, _ := strings.Cut(id, ":")
		if slices.Contains(names, n) {
			out = append(out, id)
		}
	}
	return out
}

// escWorker is one goroutine's scratch space for escalations: its own
// copy of the holder index (the maps are only read) and a parts buffer.
type escWorker struct {
	h     nodeHolders
	parts []escPart
}

// warmEscalations computes, one subject after the other, everything that
// subjects share: each rule's escalations per mask (with the target lists
// and role analyses they need) and the path of every permission group that
// yields escalations. It leaves each subject the parts that may yield
// escalations, cut from one array. Afterwards escalations only reads
// shared state, and subjects can be handled in parallel.
func (r *resolver) warmEscalations(h *nodeHolders) {
	var slab []escPart
	for i := range int32(r.subjects.n) {
		subj := r.subjects.at(i)
		start := len(slab)
		for _, g := range subj.held {
			key := subj.mask & g.rule.needs
			// A holder's own escalations are a subset: none without these.
			if t := r.sharedEscalations(g.rule, key, h); len(t.escs) > 0 {
				slab = append(slab, escPart{ge: t, path: g.pathOf(), g: g, key: key})
			}
		}
		// Growing the array later leaves this part where it is.
		subj.parts = slab[start:len(slab):len(slab)]
		subj.held = nil
	}
}

// escPart is what one rule yields for a subject, on the path of the
// binding that grants the rule.
type escPart struct {
	ge   *groupEscalations // without path
	path *facts.Path
	g    *permGroup
	key  heldMask // the bits of the subject's mask the rule depends on
}

// escalations turns the parts warmEscalations left subject id into
// escalation facts and groups them by path, as facts.GroupEscalations
// does: groups in the order their first escalation appears. The parts are
// the rules' shared escalations; where id is in their target lists it gets
// its own, flagged there (no one is a target of its own escalation). w may
// run alongside other workers.
func (r *resolver) escalations(w *escWorker, id string, warm []escPart) ([]facts.Escalation, []facts.EscalationPath) {
	h := &w.h
	parts := w.parts[:0]
	n := 0
	for _, p := range warm {
		if h.seen[id] && p.ge.reaches(id) {
			p.ge = r.holderEscalations(p.g.rule, p.ge, id, p.key, h)
		}
		if len(p.ge.escs) > 0 {
			parts = append(parts, p)
			n += len(p.ge.escs)
		}
	}
	w.parts = parts
	out := make([]facts.Escalation, 0, n)
	for _, p := range parts {
		start := len(out)
		out = append(out, p.ge.escs...)
		for i := start; i < len(out); i++ {
			out[i].Path = p.path
		}
	}
	if len(parts) > 1 {
		// One part's escalations are sorted already.
		sortEscalations(out)
	}
	slices.SortFunc(parts, func(a, b escPart) int {
		if c := strings.Compare(a.ge.escs[0].Kind, b.ge.escs[0].Kind); c != 0 {
			return c
		}
		if c := strings.Compare(a.ge.escs[0].Resource, b.ge.escs[0].Resource); c != 0 {
			return c
		}
		return strings.Compare(a.path.Text, b.path.Text)
	})
	if samePaths(parts) {
		// Two rules with one path (duplicate stored rules): merge them.
		return out, facts.GroupEscalations(id, out)
	}
	paths := make([]facts.EscalationPath, len(parts))
	for i, p := range parts {
		paths[i] = p.ge.path
		paths[i].Path = p.path
	}
	return out, paths
}

// samePaths reports whether two parts share a path key (Path.GroupKey).
func samePaths(parts []escPart) bool {
	if len(parts) > 16 {
		keys := make(map[string]bool, len(parts))
		for _, p := range parts {
			k := p.path.GroupKey()
			if keys[k] {
				return true
			}
			keys[k] = true
		}
		return false
	}
	for i := range parts {
		for j := range i {
			if parts[i].path.GroupKey() == parts[j].path.GroupKey() {
				return true
			}
		}
	}
	return false
}

// sortEscalations orders escalations by kind, resource and path text. It
// is sort.Slice's algorithm (ties keep the order they always had) without
// its reflection.
func sortEscalations(es []facts.Escalation) { sort.Sort(byEscalation(es)) }

type byEscalation []facts.Escalation

func (es byEscalation) Len() int           { return len(es) }
func (es byEscalation) Less(i, j int) bool { return escalationCompare(&es[i], &es[j]) < 0 }
func (es byEscalation) Swap(i, j int)      { es[i], es[j] = es[j], es[i] }

func escalationCompare(a, b *facts.Escalation) int {
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Resource, b.Resource); c != 0 {
		return c
	}
	return strings.Compare(a.Path.Text, b.Path.Text)
}

// escalation builds one escalation fact for subject id holding mask, or
// false when the permission reaches no node access.
func (r *resolver) escalation(id string, p *heldPerm, h *nodeHolders, mask heldMask) (facts.Escalation, bool) {
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
		h.setTargets(&e, h.podTargets(p.namespace), id)
		e.Detail = fmt.Sprintf("can create %s %s and so run a pod as an identity with node access (%s): its token reaches the kubelet", e.Resource, where, targetsText(&e, id))
	case facts.EscalationToken:
		h.setTargets(&e, h.saTargets(p.namespace, p.names), id)
		e.Detail = fmt.Sprintf("can request tokens for ServiceAccounts %s that have node access (%s)", where, targetsText(&e, id))
	case facts.EscalationImpersonate:
		return impersonation(id, p, h, e, where)
	case facts.EscalationBindings:
		return bindingsEscalation(p, h, e, mask)
	case facts.EscalationBind:
		return r.bindEscalation(p, e, mask)
	case facts.EscalationEscalate:
		e.Detail = fmt.Sprintf("can add any permission, e.g. nodes/proxy, to %s", rolesText(p.names))
		e.Detail += needs(mask&holdsWriteRoles != 0, "update on those ClusterRoles")
		return e, true
	case facts.EscalationRoles:
		e.Detail = "can create/update ClusterRoles and write nodes/proxy into one"
		e.Detail += needs(mask&holdsEscalate != 0, "escalate on clusterroles (or to hold nodes/proxy already)")
		return e, true
	}
	return e, e.TargetCount() > 0
}

// impersonation: impersonating users or groups is cluster-scoped; a
// ServiceAccount can be impersonated where the binding reaches.
func impersonation(id string, p *heldPerm, h *nodeHolders, e facts.Escalation, where string) (facts.Escalation, bool) {
	var targets []string
	switch p.resources[0] {
	case "users":
		targets = namedTargets(h.users, p.names)
	case "groups":
		targets = namedTargets(h.groups, p.names)
	default:
		targets = h.saTargets(p.namespace, p.names)
	}
	h.setTargets(&e, targets, id)
	switch {
	case len(p.names) == 0 && p.namespace == "":
		e.Detail = anyImpersonation[p.resources[0]]
	case e.TargetCount() > 0:
		e.Detail = fmt.Sprintf("can impersonate %s %s that have node access (%s)", p.resources[0], where, targetsText(&e, id))
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

func bindingsEscalation(p *heldPerm, h *nodeHolders, e facts.Escalation, mask heldMask) (facts.Escalation, bool) {
	if p.resources[0] == "rolebindings" {
		// A RoleBinding never grants nodes; it can grant pod creation in a
		// namespace where a ServiceAccount with node access runs.
		e.Targets = h.podTargets(p.namespace)
		e.Detail = fmt.Sprintf("can create RoleBindings; they never grant nodes, but binding a role that creates pods (e.g. edit) reaches ServiceAccounts with node access (%s)", targetsText(&e, ""))
		e.Detail += needs(mask&holdsBind != 0, "bind on such a role (or to hold its permissions already)")
		return e, p.namespace == "" && len(e.Targets) > 0
	}
	e.Detail = "can create RoleBindings/ClusterRoleBindings; together with bind on a role that has nodes/proxy (e.g. cluster-admin) this grants node exec"
	e.Detail += needs(mask&holdsBind != 0, "bind on such a ClusterRole (or to hold nodes/proxy already)")
	return e, true
}

func (r *resolver) bindEscalation(p *heldPerm, e facts.Escalation, mask heldMask) (facts.Escalation, bool) {
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
	e.Detail += needs(mask&holdsWriteClusterB != 0, "create on clusterrolebindings")
	return e, true
}

// needs says whether the second permission an escalation needs is held.
func needs(held bool, what string) string {
	if held {
		return "; it also holds " + what
	}
	return "; on its own this is not enough: it also needs " + what + ", which it lacks"
}

// targetsText names up to three of e's targets (without holder when it is
// flagged in the list) and counts the rest.
func targetsText(e *facts.Escalation, holder string) string {
	return facts.CapTargets(e.Targets, holder, e.HolderInTargets, 3)
}

func rolesText(names []string) string {
	if len(names) == 0 {
		return "any ClusterRole"
	}
	return "ClusterRoles " + quoteList(names)
}

// setTargets gives e the target list ids, shared and never copied: when
// subject id holds node access and so may be among them (every target is
// a holder), e is flagged instead of leaving id out.
func (h *nodeHolders) setTargets(e *facts.Escalation, ids []string, id string) {
	if ids == nil {
		ids = []string{}
	}
	e.Targets = ids
	if h.seen[id] {
		// Target lists are sorted (podTargets, saTargets, namedTargets).
		_, e.HolderInTargets = slices.BinarySearch(ids, id)
	}
}
