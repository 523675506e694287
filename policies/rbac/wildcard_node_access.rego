# METADATA
# title: A wildcard role grants exec in any pod via the kubelet
# description: >-
#   A Role or ClusterRole written in the input grants node subresources
#   (nodes/proxy, nodes/log, ...) only through '*' in resources, verbs or
#   apiGroups, never by naming them, and the verbs include get or create on
#   nodes/proxy. Its author most likely did not mean to hand out kubelet
#   access, yet '*' resources include nodes/proxy, which lets anyone bound to
#   the role, now or later, exec into any pod through the kubelet (a
#   "read-only" get on '*' is enough: a WebSocket exec is a GET). Reported on
#   the role itself, bound or not, like KA-RBAC-007 for roles that name
#   nodes/proxy.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources
#   - ref: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
# custom:
#   id: KA-RBAC-008
#   severity: high
#   remediation: >-
#     Replace the wildcard with the resources and verbs the role really needs;
#     if node access is intended, name the node subresources explicitly.
#   tags: [rbac, wildcard, role]
#   cis: ["5.1.3"]
package kubelet_audit.rbac.wildcard_node_access

import data.kubelet_audit.rbac.lib

findings contains f if {
	some r in lib.defined_node_roles
	access := lib.own_access(r)
	count(access) > 0
	every a in access {
		a.wildcard
		not lib.names_node_subresource(a)
	}
	some x in access
	lib.exec_grant(x)
	first := min({a.ruleIndex | some a in access})
	some a in access
	a.ruleIndex == first
	subs := sort({sprintf("nodes/%s", [x.subresource]) | some x in access})
	f := {
		"msg": sprintf("%s never names node subresources, but its wildcard rule #%d at %s (%s) grants %s, including get/create on nodes/proxy: anyone bound to it can exec into any pod", [
			lib.ref_text(r), first + 1, lib.loc_text(a.ruleLocation), a.rule, concat(", ", subs),
		]),
		"resource": lib.resource(r),
		"location": a.ruleLocation,
		"evidence": {"subresources": concat(",", subs), "rule": a.rule},
	}
}
