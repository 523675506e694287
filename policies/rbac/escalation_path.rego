# METADATA
# title: A subject can grant itself kubelet access
# description: >-
#   The subject holds a permission that is a path to node access: bind or
#   escalate on roles, impersonate users, groups or ServiceAccounts, write
#   (Cluster)RoleBindings or (Cluster)Roles, or create pods or tokens for a
#   ServiceAccount that already has node access. It does not hold kubelet
#   access today but can obtain it in one step.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping
# custom:
#   id: KA-RBAC-011
#   severity: high
#   per_subject: true
#   remediation: >-
#     Remove bind, escalate, impersonate and write access to roles and
#     bindings from the subject, and do not let it create pods or tokens in
#     namespaces whose ServiceAccounts hold node access.
#   tags: [rbac, escalation]
#   cis: ["5.1.8"]
package kubelet_audit.rbac.escalation_path

import data.kubelet_audit.rbac.lib

# One finding per subject and path (binding -> role rule), naming every
# escalation it allows. Subjects that can already exec on every node gain
# nothing more.
findings contains f if {
	some s in lib.escalating
	not s.system
	not _exec_everywhere(s)
	some g in _paths(s)
	p := g.path
	id := s.id
	text := p.text
	kinds := g.kinds
	f := {
		"msg": sprintf("%s has an escalation path to node access (%s) via %s: %s", [
			id, _kinds_text(kinds), text, concat("; ", g.details),
		]),
		"resource": p.binding,
		"location": p.binding.location,
		"subject": id,
		"path": text,
		"evidence": {
			"kinds": concat(",", kinds),
			"permissions": concat("; ", g.permissions),
			"targets": g.targetsText,
		},
		"key": p.ruleKey,
	}
}

# _paths is the resolver's grouping (escalationPaths), whose paths carry
# their fingerprint key (path.ruleKey) and their targets as text
# (targetsText); a hand-written document without the grouping is grouped
# here, and paths without a key or text get them (lib.path_key, _capped),
# so findings read both instead of calling functions per finding.
_paths(s) := s.escalationPaths if {
	s.escalationPaths[0]
	every g in s.escalationPaths {
		g.path.ruleKey != ""
		is_string(g.targetsText)
	}
} else := [_complete(s, g) | some g in s.escalationPaths] if {
	s.escalationPaths[0]
} else := [_complete(s, _group(s, k)) | some k in {lib.grant_key(x.path) | some x in s.escalations}]

_complete(s, g) := object.union(g, {
	"path": object.union(g.path, {"ruleKey": lib.path_key(g.path)}),
	"targetsText": _capped(object.get({true: s.id}, object.get(g, "holderInTargets", false), ""), g.targets),
})

# _kinds_text names the kinds of one path for the message. Few distinct
# lists of kinds exist, and OPA caches a function's result by argument, so
# this runs a handful of times per evaluation instead of once per finding.
_kinds_text(kinds) := concat("; ", sort({_how_text(k) | some k in kinds}))

_group(s, k) := {
	"path": same[0].path,
	"kinds": sort({x.kind | some x in same}),
	"permissions": sort({sprintf("%s %s", [concat(",", lib.list(x.verbs)), x.resource]) | some x in same}),
	"details": sort({x.detail | some x in same}),
	"targets": sort({t | some x in same; some t in lib.list(x.targets); not _holder(x, t, s.id)}),
} if {
	same := [x | some x in s.escalations; lib.grant_key(x.path) == k]
}

# _holder: t is the holder's own ID, which x's list includes but does not
# count as a target (holderInTargets).
_holder(x, t, id) if {
	x.holderInTargets == true
	t == id
}

_exec_everywhere(s) if {
	some g in s.grants
	lib.exec_grant(g)
	count(lib.list(g.nodes)) == 0
}

# _capped names the first _max_targets targets and counts the rest: a pod
# creator in a large cluster reaches thousands of ServiceAccounts, and
# listing every one in every finding made reports grow with creators times
# targets (hundreds of MB at 20,000 roles, docs/benchmarks.md).
# The resolver shares one target list between all holders, so the list
# of g may include the holder id (g.holderInTargets): it is left out by
# looking at the first _max_targets + 1 entries only, never by copying.
_max_targets := 10

# _capped(holder, targets) renders targets without holder ("" for none).
_capped(holder, targets) := concat(", ", targets) if {
	holder == ""
	count(targets) <= _max_targets
} else := sprintf("%s and %d more", [concat(", ", array.slice(targets, 0, _max_targets)), count(targets) - _max_targets]) if {
	holder == ""
} else := _capped_text(
	array.slice([t | some t in array.slice(targets, 0, _max_targets + 1); t != holder], 0, _max_targets),
	count(targets) - 1,
)

_capped_text(shown, n) := concat(", ", shown) if {
	n <= _max_targets
} else := sprintf("%s and %d more", [concat(", ", shown), n - _max_targets])

_how_text(kind) := _how[kind]

_how_text(kind) := kind if not _how[kind]

_how := {
	"bind": "binding a role that carries node access",
	"escalate": "adding node permissions to a role it can edit (escalate)",
	"impersonate": "impersonating an identity with node access",
	"write-bindings": "creating or changing a role binding",
	"write-roles": "creating or changing a role",
	"create-pods": "running a pod as a ServiceAccount with node access",
	"create-token": "requesting a token for a ServiceAccount with node access",
}
