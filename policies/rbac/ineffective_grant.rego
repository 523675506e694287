# METADATA
# title: A node permission grants nothing
# description: >-
#   A rule or binding looks like kubelet access but reaches nothing: a
#   RoleBinding never grants the cluster-scoped nodes resource, nodes/* is
#   not a wildcard in RBAC (only '*' and '*/subresource' are), nodes/logs is
#   not a subresource (the real one is nodes/log), list and watch are never
#   checked by the kubelet, and node subresources only exist in the core
#   ("") API group. The grant is dead weight that misleads reviewers, and a
#   later "fix" can silently turn it into real access.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: KA-RBAC-010
#   severity: low
#   remediation: >-
#     Remove the ineffective rule or binding, or, if the access is really
#     needed, write it as the kubelet checks it (a ClusterRoleBinding, the
#     exact nodes/<subresource>, API group "" and verb get or create).
#   tags: [rbac, ineffective]
package kubelet_audit.rbac.ineffective_grant

import data.kubelet_audit.rbac.lib

_rolebinding := "rolebinding-cannot-grant-nodes"

# Look-alike rules, reported once per role rule with every look-alike in it.
findings contains f if {
	some r in input.roles
	some i in r.ineffective
	_look_alike(i)
	idx := i.path.ruleIndex
	same := [j | some j in r.ineffective; _look_alike(j); j.path.ruleIndex == idx]
	items := sort({sprintf("%s %s (%s: %s)", [concat(",", lib.list(j.verbs)), j.resource, j.reason, j.detail]) | some j in same})
	f := {
		"msg": sprintf("%s rule #%d at %s grants nothing on the kubelet: %s", [
			lib.ref_text(r), idx + 1, lib.loc_text(i.path.ruleLocation), concat("; ", items),
		]),
		"resource": lib.resource(r),
		"location": i.path.ruleLocation,
		"evidence": {
			"reasons": concat(",", sort({j.reason | some j in same})),
			"resources": concat(",", sort({j.resource | some j in same})),
			"rule": i.path.rule,
		},
		"key": sprintf("rule#%d", [idx]),
	}
}

_look_alike(i) if {
	not _not_look_alike[i.reason]
	not _wildcard_read(i)
}

# Reasons reported elsewhere: a missing role by KA-RBAC-012, a RoleBinding
# of node permissions by the rule below.
_not_look_alike := {"missing-role", _rolebinding}

# A RoleBinding of node permissions, reported once per binding and role rule
# (identical objects built from each subject collapse into one set element).
findings contains f if {
	some i in _rolebinding_items
	reason := i.reason
	p := i.path
	b := p.binding
	res := i.resource
	text := p.text
	f := {
		"msg": sprintf("%s grants nothing on the kubelet: %s only works in a ClusterRoleBinding, a RoleBinding never grants the cluster-scoped nodes resource (%s)", [
			lib.ref_text(b), res, text,
		]),
		"resource": lib.resource(b),
		"location": b.location,
		"path": text,
		"evidence": {"reason": reason, "resource": res, "verbs": lib.verbs_text(i), "rule": p.rule},
		"key": sprintf("%s:%s", [lib.path_key(p), res]),
	}
}

# The RoleBinding items of every binding that has subjects (each subject
# carries the same items), so the findings are built once per binding and
# rule without looking at the subjects.
_rolebinding_items := {i |
	some b in input.bindings
	count(lib.list(b.subjects)) > 0
	some i in lib.list(b.ineffective)
	i.reason == _rolebinding
}

# list/watch through resources '*' is a generic read rule, not a node grant.
_wildcard_read(i) if {
	i.reason == "verb-never-checked"
	i.resource == "*"
}
