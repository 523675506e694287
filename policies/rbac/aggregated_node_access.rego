# METADATA
# title: Node access is aggregated into another role
# description: >-
#   A ClusterRole that grants node subresources carries an aggregation label
#   (e.g. rbac.authorization.k8s.io/aggregate-to-view) matched by an
#   aggregated ClusterRole such as view, edit or admin. The aggregation
#   controller copies its rules into that role, so everyone bound to the
#   aggregate, often every developer, silently gets kubelet access too.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: KA-RBAC-009
#   severity: high
#   remediation: >-
#     Remove the aggregation label from the role that grants node access, or
#     move the node permissions into a separate role bound only to the
#     subjects that need them.
#   tags: [rbac, aggregation, role]
package kubelet_audit.rbac.aggregated_node_access

import data.kubelet_audit.rbac.lib

# One finding per role: aggregation is transitive (view -> edit -> admin), so
# the role names every aggregate that collects it.
findings contains f if {
	some r in lib.node_roles
	not r.builtin
	access := lib.own_access(r)
	count(access) > 0
	intos := sort(lib.list(r.aggregatesInto))
	count(intos) > 0
	subs := sort({sprintf("nodes/%s %s", [a.subresource, lib.verbs_text(a)]) | some a in access})
	names := concat(", ", intos)
	f := {
		"msg": sprintf("%s grants %s and is aggregated into ClusterRole %s: everyone bound to %s gets this kubelet access", [
			lib.ref_text(r), concat("; ", subs), names, _any(intos),
		]),
		"resource": lib.resource(r),
		"location": r.location,
		"evidence": {"aggregatedInto": names, "access": concat("; ", subs)},
		"key": "aggregated",
	}
}

_any(intos) := intos[0] if count(intos) == 1

_any(intos) := concat(" ", ["any of", concat(", ", intos)]) if count(intos) > 1
