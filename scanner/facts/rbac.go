package facts

import (
	"slices"
	"strconv"
	"strings"
)

// Subject scopes: how many identities a subject stands for.
const (
	ScopeAnonymous       = "anonymous"                 // User system:anonymous
	ScopeUnauthenticated = "unauthenticated"           // Group system:unauthenticated
	ScopeAuthenticated   = "authenticated"             // Group system:authenticated
	ScopeAllSAs          = "all-serviceaccounts"       // Group system:serviceaccounts
	ScopeNamespaceSAs    = "namespace-serviceaccounts" // Group system:serviceaccounts:<ns>
	ScopeServiceAccount  = "serviceaccount"
	ScopeUser            = "user"
	ScopeGroup           = "group"
)

// Subject is one RBAC subject and everything it reaches on the kubelet.
type Subject struct {
	// ID is "Kind:name" or "ServiceAccount:namespace/name", e.g.
	// "Group:system:authenticated", "User:alice", "ServiceAccount:mon/agent".
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Scope     string `json:"scope"`
	// Broad is true for anonymous, unauthenticated, authenticated and
	// ServiceAccount groups: identities nobody vets one by one.
	Broad bool `json:"broad"`
	// System is true for expected infrastructure identities (system:masters,
	// system:nodes, system:node:*, kube-apiserver kubelet clients,
	// system:kube-controller-manager, system:kube-scheduler, ...).
	System bool `json:"system"`
	// Workloads run as this ServiceAccount (or, for a ServiceAccount group,
	// as any ServiceAccount it contains).
	Workloads []Workload `json:"workloads"`
	// Grants are the node subresource permissions the kubelet (or the API
	// server node proxy) actually checks, one per path.
	Grants []Grant `json:"grants"`
	// Ineffective are node grants that reach nothing, with the reason.
	Ineffective []Ineffective `json:"ineffective"`
	// Escalations are permissions that let the subject gain node access.
	Escalations []Escalation `json:"escalations"`
	// EscalationPaths groups Escalations by the binding -> role -> rule
	// path they come through, in first-seen order: policies report one
	// finding per path without comparing every pair of escalations.
	EscalationPaths []EscalationPath `json:"escalationPaths"`
}

// Workload runs pods as a ServiceAccount.
type Workload struct {
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Location  Location `json:"location"`
	// AutomountToken is false when pods do not mount the token.
	AutomountToken bool `json:"automountToken"`
}

// Node subresources the kubelet authorizes (kubelet-facts.md).
var Subresources = []string{"proxy", "stats", "metrics", "log", "spec", "pods", "healthz", "configz", "checkpoint"}

// EffectiveVerbs are the verbs the kubelet maps HTTP methods to; list, watch
// and others are never checked for node subresources.
var EffectiveVerbs = []string{"get", "create", "update", "patch", "delete"}

// Grant is a node subresource reachable by a subject through one path.
type Grant struct {
	// Subresource is one of Subresources.
	Subresource string `json:"subresource"`
	// Verbs are the EffectiveVerbs granted (wildcards expanded), sorted.
	Verbs []string `json:"verbs"`
	// Nodes narrows the grant to named nodes (resourceNames); empty = all nodes.
	Nodes []string `json:"nodes"`
	// Wildcard is true when the grant comes from '*' in resources, verbs or
	// apiGroups rather than naming nodes/<subresource> and the verb.
	Wildcard bool `json:"wildcard"`
	// Path is not copied per subject: every subject of a binding points to
	// the same value, as do the binding's grants through one rule (never
	// nil, not to be modified).
	Path *Path `json:"path"`
}

// Path is how a subject gets a permission: binding -> role -> rule.
type Path struct {
	Binding Ref `json:"binding"`
	Role    Ref `json:"role"`
	// RuleIndex is the rule's index in the role's rules (0-based); for an
	// aggregated role it is the index in the AggregatedFrom role.
	RuleIndex int `json:"ruleIndex"`
	// Rule is the rule in compact form, e.g.
	// `{APIGroups:[""], Resources:["nodes/proxy"], Verbs:["get"]}`.
	Rule string `json:"rule"`
	// RuleLocation is where the rule is written (file:line when known).
	RuleLocation Location `json:"ruleLocation"`
	// AggregatedFrom is the role the rule came from when Role aggregates it.
	AggregatedFrom *Ref `json:"aggregatedFrom,omitempty"`
	// Text is the human chain, e.g. "ClusterRoleBinding debug -> ClusterRole
	// node-debugger (rule #1 at deploy.yaml:12)".
	Text string `json:"text"`
	// RuleKey identifies the role rule: "ClusterRole/name#0", or
	// "ClusterRole/view<-extra#0" for an aggregated rule. Stable across
	// edits that move lines; policies use it as a fingerprint key.
	RuleKey string `json:"ruleKey,omitempty"`
	// Key identifies the whole path: "<binding kind> <ns/name>|<RuleKey>";
	// policies group grants of one path by it.
	Key string `json:"key,omitempty"`
}

// Reasons a node grant reaches nothing.
const (
	// IneffectiveRoleBinding: a RoleBinding never grants the cluster-scoped nodes resource.
	IneffectiveRoleBinding = "rolebinding-cannot-grant-nodes"
	// IneffectiveNotSubresource: e.g. nodes/logs (the real one is nodes/log).
	IneffectiveNotSubresource = "not-a-subresource"
	// IneffectiveNotWildcard: e.g. nodes/* (only '*' and '*/sub' are wildcards).
	IneffectiveNotWildcard = "not-a-wildcard"
	// IneffectiveVerb: e.g. list/watch on nodes/proxy (never checked by the kubelet).
	IneffectiveVerb = "verb-never-checked"
	// IneffectiveAPIGroup: node subresources named under an API group other than "" or '*'.
	IneffectiveAPIGroup = "wrong-api-group"
	// IneffectiveMissingRole: the binding's role does not exist.
	IneffectiveMissingRole = "missing-role"
)

// Ineffective is a grant that looks like node access but is not.
type Ineffective struct {
	Reason   string   `json:"reason"`
	Resource string   `json:"resource"`
	Verbs    []string `json:"verbs"`
	// Detail says in words what the grant really allows.
	Detail string `json:"detail"`
	Path   *Path  `json:"path"`
}

// Escalation kinds: ways to grant oneself node access.
const (
	EscalationBind        = "bind"           // bind verb on (cluster)roles
	EscalationEscalate    = "escalate"       // escalate verb on (cluster)roles
	EscalationImpersonate = "impersonate"    // impersonate users/groups/serviceaccounts
	EscalationBindings    = "write-bindings" // create/update/patch (cluster)rolebindings
	EscalationRoles       = "write-roles"    // create/update/patch (cluster)roles
	EscalationPods        = "create-pods"    // run a pod as a ServiceAccount that has node access
	EscalationToken       = "create-token"   // serviceaccounts/token for a ServiceAccount that has node access
)

// Escalation is one permission that is a path to node access.
type Escalation struct {
	Kind     string   `json:"kind"`
	Verbs    []string `json:"verbs"`
	Resource string   `json:"resource"`
	// Names narrows to resourceNames; empty = any.
	Names []string `json:"names"`
	// Namespace is set when the permission comes from a RoleBinding.
	Namespace string `json:"namespace,omitempty"`
	// Targets are subject IDs with node access this path reaches (for pods
	// and tokens: ServiceAccounts in reach; for impersonation: subjects),
	// sorted. The resolver hands one list to every holder that reaches it,
	// so it may include the holder itself: see HolderInTargets.
	Targets []string `json:"targets"`
	// HolderInTargets is true when Targets includes the holder's own ID,
	// which is not a target (no one escalates to itself): the targets are
	// Targets less the holder. Omitted when false.
	HolderInTargets bool   `json:"holderInTargets,omitempty"`
	Detail          string `json:"detail"`
	Path            *Path  `json:"path"`
}

// TargetCount is the number of e's targets: Targets less the holder.
func (e *Escalation) TargetCount() int {
	if e.HolderInTargets {
		return len(e.Targets) - 1
	}
	return len(e.Targets)
}

// EscalationPath is the escalations of one subject through one path.
type EscalationPath struct {
	Path *Path `json:"path"`
	// Kinds, Permissions ("verbs resource"), Details and Targets are the
	// sorted, distinct values of the path's escalations. Targets is the
	// union of their lists (one escalation's list itself when they share
	// one), so it may include the holder: see HolderInTargets.
	Kinds       []string `json:"kinds"`
	Permissions []string `json:"permissions"`
	Details     []string `json:"details"`
	Targets     []string `json:"targets"`
	// HolderInTargets is true when Targets includes the holder's own ID
	// and no escalation of the path counts it as a target: the targets
	// are Targets less the holder. Omitted when false.
	HolderInTargets bool `json:"holderInTargets,omitempty"`
	// TargetsText names the targets (without the holder) for messages: the
	// first TargetsShown in order, then "and N more" (see CapTargets).
	TargetsText string `json:"targetsText"`
}

// TargetsShown is how many targets TargetsText names.
const TargetsShown = 10

// CapTargets names the first limit targets and counts the rest ("A, B and
// 3 more"), leaving holder out when holderIn (the list includes it, see
// HolderInTargets); TargetsText is CapTargets with TargetsShown. It reads at
// most limit+1 entries: target lists run to thousands of IDs.
func CapTargets(targets []string, holder string, holderIn bool, limit int) string {
	n := len(targets)
	if holderIn {
		n--
	}
	shown := make([]string, 0, max(0, min(n, limit)))
	for _, t := range targets {
		if len(shown) == cap(shown) {
			break
		}
		if !holderIn || t != holder {
			shown = append(shown, t)
		}
	}
	text := strings.Join(shown, ", ")
	if n > limit {
		text += " and " + strconv.Itoa(n-limit) + " more"
	}
	return text
}

// GroupEscalations groups the escalations of subject holder by
// Path.GroupKey.
func GroupEscalations(holder string, es []Escalation) []EscalationPath {
	out := []EscalationPath{}
	index := map[string]int{}
	var groups []pathTargets
	for i := range es {
		e := &es[i]
		key := e.Path.GroupKey()
		j, ok := index[key]
		if !ok {
			j = len(out)
			index[key] = j
			out = append(out, EscalationPath{Path: e.Path})
			groups = append(groups, pathTargets{})
		}
		groups[j].add(holder, e)
		g := &out[j]
		g.Kinds = append(g.Kinds, e.Kind)
		g.Permissions = append(g.Permissions, strings.Join(e.Verbs, ",")+" "+e.Resource)
		g.Details = append(g.Details, e.Detail)
	}
	for j := range out {
		g := &out[j]
		g.Kinds, g.Permissions, g.Details = sortedSet(g.Kinds), sortedSet(g.Permissions), sortedSet(g.Details)
		g.Targets = union(groups[j].lists)
		g.HolderInTargets = groups[j].holderIn()
		g.TargetsText = CapTargets(g.Targets, holder, g.HolderInTargets, TargetsShown)
	}
	return out
}

// HolderInTargets is the HolderInTargets of the path of es, escalations
// of holder that share one path.
func HolderInTargets(holder string, es []Escalation) bool {
	var t pathTargets
	for i := range es {
		t.flag(holder, &es[i])
	}
	return t.holderIn()
}

// pathTargets collects the target lists of one path's escalations.
type pathTargets struct {
	lists [][]string // distinct lists (by array)
	// flagged: an escalation leaves the holder out of its list; counted:
	// one counts it as a target.
	flagged, counted bool
}

func (t *pathTargets) add(holder string, e *Escalation) {
	t.flag(holder, e)
	if len(e.Targets) == 0 {
		return
	}
	for _, l := range t.lists {
		if len(l) == len(e.Targets) && &l[0] == &e.Targets[0] {
			return
		}
	}
	t.lists = append(t.lists, e.Targets)
}

func (t *pathTargets) flag(holder string, e *Escalation) {
	if e.HolderInTargets {
		t.flagged = true
	} else if !t.counted && holder != "" {
		_, t.counted = slices.BinarySearch(e.Targets, holder)
	}
}

// holderIn reports whether the union of the lists includes the holder
// without it being a target.
func (t *pathTargets) holderIn() bool { return t.flagged && !t.counted }

// GroupKey is the key GroupEscalations groups escalations by: Path.Key,
// else Path.Text; "" for nil, so escalations computed before their path
// is known group together.
func (p *Path) GroupKey() string {
	if p == nil {
		return ""
	}
	if p.Key != "" {
		return p.Key
	}
	return p.Text
}

// union returns the sorted, distinct IDs of ls: a list itself (shared,
// not copied) when it already holds all of them.
func union(ls [][]string) []string {
	switch len(ls) {
	case 0:
		return []string{}
	case 1:
		return sortedSet(ls[0])
	}
	longest := ls[0]
	for _, l := range ls[1:] {
		if len(l) > len(longest) {
			longest = l
		}
	}
	if isSet(longest) && !slices.ContainsFunc(ls, func(l []string) bool { return !subset(l, longest) }) {
		return longest
	}
	var all []string
	for _, l := range ls {
		all = append(all, l...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// isSet reports whether xs is sorted without duplicates.
func isSet(xs []string) bool { return slices.IsSorted(xs) && !hasAdjacentDup(xs) }

// subset reports whether every ID of l is in the sorted, distinct set,
// walking both in order when l is sorted.
func subset(l, set []string) bool {
	if len(l) > len(set) {
		return false
	}
	if !slices.IsSorted(l) {
		return !slices.ContainsFunc(l, func(x string) bool { _, ok := slices.BinarySearch(set, x); return !ok })
	}
	j := 0
	for _, x := range l {
		for j < len(set) && set[j] < x {
			j++
		}
		if j == len(set) || set[j] != x {
			return false
		}
	}
	return true
}

// sortedSet returns xs sorted without duplicates ([] for nil); xs itself
// when it already is, else a copy (xs may be shared).
func sortedSet(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	if isSet(xs) {
		return xs
	}
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return slices.Compact(ys)
}

func hasAdjacentDup(xs []string) bool {
	for i := 1; i < len(xs); i++ {
		if xs[i] == xs[i-1] {
			return true
		}
	}
	return false
}

// Role is a Role or ClusterRole and the node access it carries.
type Role struct {
	Ref
	// Defined is true when the input defines the role; false for built-ins
	// taken from the bootstrap policy.
	Defined bool `json:"defined"`
	// Builtin is true for roles of the Kubernetes bootstrap policy
	// (cluster-admin, admin, edit, view, system:*).
	Builtin bool `json:"builtin"`
	// BoundBy lists the bindings that reference the role.
	BoundBy []Ref `json:"boundBy"`
	// AggregationSelectors is non-empty for aggregated ClusterRoles.
	Aggregated bool `json:"aggregated"`
	// AggregatesFrom lists roles whose rules this aggregated role collects.
	AggregatesFrom []string `json:"aggregatesFrom"`
	// AggregatesInto lists aggregated roles (e.g. view, edit, admin) that
	// collect this role's rules.
	AggregatesInto []string `json:"aggregatesInto"`
	// NodeAccess lists the node subresources the role's rules grant.
	NodeAccess []RoleGrant `json:"nodeAccess"`
	// Ineffective lists look-alike node rules in the role.
	Ineffective []Ineffective `json:"ineffective"`
	// AggregationDrift (live only) lists rules the aggregationRule implies but
	// the stored role lacks, or the reverse, in compact form.
	AggregationDrift []string `json:"aggregationDrift"`
}

// RoleGrant is node access written in a role.
type RoleGrant struct {
	Subresource  string   `json:"subresource"`
	Verbs        []string `json:"verbs"`
	Nodes        []string `json:"nodes"`
	Wildcard     bool     `json:"wildcard"`
	RuleIndex    int      `json:"ruleIndex"`
	Rule         string   `json:"rule"`
	RuleLocation Location `json:"ruleLocation"`
	// AggregatedFrom names the role the rule came from, when aggregated.
	AggregatedFrom string `json:"aggregatedFrom,omitempty"`
}

// Binding is a (Cluster)RoleBinding.
type Binding struct {
	Ref
	RoleRef Ref `json:"roleRef"`
	// RoleFound is false when the referenced role exists neither in the
	// input nor among the built-in roles.
	RoleFound bool `json:"roleFound"`
	// Builtin marks bootstrap bindings (cluster-admin -> system:masters, ...).
	Builtin  bool     `json:"builtin"`
	Subjects []string `json:"subjects"`
	// Ineffective are the node grants this binding hands its subjects that
	// reach nothing (each subject carries the same items): a RoleBinding of
	// node permissions, look-alike rules of the role, a missing role.
	Ineffective []Ineffective `json:"ineffective"`
}

// HasIneffective reports whether b carries an ineffective grant for reason.
func (b *Binding) HasIneffective(reason string) bool {
	for i := range b.Ineffective {
		if b.Ineffective[i].Reason == reason {
			return true
		}
	}
	return false
}
