# Helpers shared by the RBAC rules: subject filters computed once per
# evaluation, kubelet vocabulary and message fragments. Not a rule: it defines
# no `findings` and carries no METADATA. User policies may import it.
package kubelet_audit.rbac.lib

# Subjects with effective node grants / escalation paths / ineffective
# grants. Complete rules are evaluated once per query (only when a rule
# refers to them), so every rule walks only these (a few percent of a large
# cluster) instead of all subjects.
# `xs[0]` is undefined for an empty list and for null (a nil Go slice), so
# the filters cost no function call per subject.
granted := [s | some s in input.subjects; s.grants[0]]

escalating := [s | some s in input.subjects; s.escalations[0]]

with_ineffective := [s | some s in input.subjects; s.ineffective[0]]

# Roles whose rules carry node access (own or aggregated).
node_roles := [r | some r in input.roles; r.nodeAccess[0]]

# Roles written in the input by someone (not the bootstrap policy) that
# carry node access.
defined_node_roles := [r | some r in node_roles; r.defined; not r.builtin]

# Verbs that reach exec/attach/port-forward/run on the kubelet: a WebSocket
# upgrade is a GET, so `get nodes/proxy` alone is enough to exec.
exec_verbs := {"get", "create"}

exec_grant(g) if {
	g.subresource == "proxy"
	some v in g.verbs
	v in exec_verbs
}

# What each node subresource exposes, for messages.
exposes := {
	"proxy": "every kubelet endpoint, including exec, attach, port-forward and run in any pod",
	"stats": "node and pod resource usage (/stats)",
	"metrics": "kubelet and cAdvisor metrics (/metrics)",
	"log": "node log files such as /var/log and the journal (/logs/)",
	"spec": "machine information (/spec/)",
	"pods": "full pod specs of every pod on the node, including env values (/pods)",
	"healthz": "kubelet health (/healthz)",
	"configz": "the kubelet's live configuration (/configz)",
	"checkpoint": "container checkpoints, i.e. memory dumps of any container (/checkpoint)",
}

describe(sub) := exposes[sub] if {
	exposes[sub]
} else := sprintf("nodes/%s", [sub])

# describe_list and subresources_text render a sorted list of subresources
# for messages and evidence. Few distinct lists exist and OPA caches a
# function's result by argument, so each list is rendered once.
describe_list(subs) := concat("; ", [describe(x) | some x in subs])

subresources_text(subs) := concat(",", [sprintf("nodes/%s", [x]) | some x in subs])

# Who a subject stands for, for messages.
scope_text(s) := "anyone who can reach the API server, without credentials" if s.scope == "anonymous"

scope_text(s) := "every unauthenticated request" if s.scope == "unauthenticated"

scope_text(s) := "every authenticated user and ServiceAccount" if s.scope == "authenticated"

scope_text(s) := "every ServiceAccount in the cluster" if s.scope == "all-serviceaccounts"

scope_text(s) := sprintf("every ServiceAccount in namespace %s", [trim_prefix(s.name, "system:serviceaccounts:")]) if {
	s.scope == "namespace-serviceaccounts"
}

scope_text(s) := s.id if not s.scope in {"anonymous", "unauthenticated", "authenticated", "all-serviceaccounts", "namespace-serviceaccounts"}

# list returns xs when it is an array and [] otherwise (nil slices are null).
list(xs) := xs if {
	is_array(xs)
} else := []

verbs_text(g) := concat(",", list(g.verbs))

nodes_text(g) := sprintf("nodes %s", [concat(", ", g.nodes)]) if {
	count(list(g.nodes)) > 0
} else := "every node"

# loc_text renders file:line, the file, or the URI of a location.
loc_text(l) := sprintf("%s:%d", [l.file, l.line]) if {
	l.line > 0
} else := l.file if {
	l.file != ""
} else := object.get(l, "uri", "")

# resource is the finding resource of an object reference.
resource(ref) := {"kind": ref.kind, "namespace": object.get(ref, "namespace", ""), "name": ref.name}

# ref_text renders "Kind namespace/name" or "Kind name".
ref_text(ref) := sprintf("%s %s/%s", [ref.kind, ref.namespace, ref.name]) if {
	object.get(ref, "namespace", "") != ""
} else := sprintf("%s %s", [ref.kind, ref.name])

# Role rules are numbered from 1 in messages ("rule #1"), like the
# resolver's path text; ruleIndex stays 0-based in keys and evidence.

# path_key identifies the role rule behind a grant: the fingerprint key of
# subject findings, stable when messages or line numbers change.
# The resolver precomputes it (path.ruleKey); documents written by hand may
# leave it out.
path_key(p) := k if {
	k := p.ruleKey
	k != ""
} else := sprintf("%s/%s#%d", [p.role.kind, p.role.name, p.ruleIndex]) if {
	object.get(p, "aggregatedFrom", null) == null
} else := sprintf("%s/%s<-%s#%d", [p.role.kind, p.role.name, p.aggregatedFrom.name, p.ruleIndex])

# workloads_text names the workloads that run as a subject.
workloads_text(s) := concat(", ", [sprintf("%s %s/%s (%s)", [w.kind, w.namespace, w.name, loc_text(w.location)]) |
	some w in list(s.workloads)
])

# names_node_subresource is true when the role rule behind a grant names a
# node subresource itself ("nodes/proxy", "*/proxy"), i.e. its author meant
# kubelet access, rather than reaching it only through resources '*'.
names_node_subresource(g) if regex.match(`(nodes|\*)/[a-z]`, g.rule)

# own_access is the node access written in a role's own rules (not collected
# from other roles by aggregation).
own_access(r) := [a | some a in list(r.nodeAccess); object.get(a, "aggregatedFrom", "") == ""]

# grant_key groups the grants of one binding and role rule (one path).
# The resolver precomputes it (path.key): policies group grants by it
# (by_path), so building it here for every grant would be most of their cost.
grant_key(p) := k if {
	k := p.key
	k != ""
} else := sprintf("%s|%s", [ref_text(p.binding), path_key(p)])

# by_path groups items that carry a path (grants, escalations) by
# grant_key, each group in the order of xs. Rules that report one finding
# per path filter a subject's grants first and group only those: each key
# is computed once instead of once per pair of grants.
by_path(xs) := [[x | some i, x in xs; keys[i] == k] | some k in {k | some k in keys}] if {
	keys := [grant_key(x.path) | some x in xs]
}
