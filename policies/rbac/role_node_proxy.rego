# METADATA
# title: A role grants exec in any pod via the kubelet (nodes/proxy)
# description: >-
#   A Role or ClusterRole written in the input names nodes/proxy (or
#   */proxy) with get or create. Whoever is bound to it, now or later, can
#   exec, attach and port-forward into every pod on the nodes it covers
#   through the kubelet. Reported on the role itself, bound or not, so a CI
#   gate catches the role file before any binding exists.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://kubernetes.io/docs/concepts/security/rbac-good-practices/
# custom:
#   id: KA-RBAC-007
#   severity: high
#   remediation: >-
#     Replace nodes/proxy in the role with the narrow subresource that is
#     needed (nodes/metrics, nodes/stats, nodes/log), or keep the role for a
#     break-glass administrator group only and limit it with resourceNames.
#   tags: [rbac, nodes-proxy, role]
package kubelet_audit.rbac.role_node_proxy

import data.kubelet_audit.rbac.lib

findings contains f if {
	some r in lib.defined_node_roles
	some a in lib.own_access(r)
	lib.exec_grant(a)
	lib.names_node_subresource(a)
	f := {
		"msg": sprintf("%s grants %s nodes/proxy on %s (rule #%d at %s): anyone bound to it can exec into any pod there; %s", [
			lib.ref_text(r), lib.verbs_text(a), lib.nodes_text(a), a.ruleIndex + 1, lib.loc_text(a.ruleLocation), _bound(r),
		]),
		"resource": lib.resource(r),
		"location": a.ruleLocation,
		"evidence": {"subresource": "nodes/proxy", "verbs": lib.verbs_text(a), "nodes": lib.nodes_text(a), "rule": a.rule},
		"key": sprintf("rule#%d", [a.ruleIndex]),
	}
}

_bound(r) := sprintf("bound by %s", [concat(", ", sort([lib.ref_text(b) | some b in lib.list(r.boundBy)]))]) if {
	count(lib.list(r.boundBy)) > 0
} else := "not bound in the input yet"
