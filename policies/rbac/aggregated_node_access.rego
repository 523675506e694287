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

findings contains f if {
	some r in lib.node_roles
	not r.builtin
	access := lib.own_access(r)
	count(access) > 0
	some into in lib.list(r.aggregatesInto)
	subs := sort({sprintf("nodes/%s %s", [a.subresource, lib.verbs_text(a)]) | some a in access})
	f := {
		"msg": sprintf("%s grants %s and is aggregated into ClusterRole %s: everyone bound to %s gets this kubelet access", [
			lib.ref_text(r), concat("; ", subs), into, into,
		]),
		"resource": lib.resource(r),
		"location": r.location,
		"evidence": {"aggregatedInto": into, "access": concat("; ", subs)},
		"key": into,
	}
}
