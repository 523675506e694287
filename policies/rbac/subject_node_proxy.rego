# METADATA
# title: A user or group holds kubelet proxy access
# description: >-
#   A named user or group (or a ServiceAccount holding only write verbs)
#   holds nodes/proxy. With get or create the kubelet lets it exec, attach
#   and port-forward into every pod on the nodes it covers, and read every
#   kubelet endpoint. With update, patch or delete it can send PUT, PATCH
#   and DELETE requests to any kubelet path, directly or through the API
#   server's node proxy (for example PUT /debug/flags/v changes the kubelet's
#   log verbosity); no normal client needs these verbs.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://kubernetes.io/docs/concepts/security/rbac-good-practices/
# custom:
#   id: KA-RBAC-003
#   severity: high
#   per_subject: true
#   remediation: >-
#     Grant nodes/proxy only to the few administrators who must debug nodes,
#     preferably limited to named nodes with resourceNames and through a
#     break-glass process; remove update, patch and delete on nodes/proxy.
#   tags: [rbac, nodes-proxy]
#   cis: ["5.1.10"]
package kubelet_audit.rbac.subject_node_proxy

import data.kubelet_audit.rbac.lib

findings contains f if {
	some s in lib.granted
	not s.system
	some g in s.grants
	g.subresource == "proxy"
	not _reported_elsewhere(s, g)
	nodes := lib.nodes_text(g)
	verbs := lib.verbs_text(g)
	f := {
		"msg": sprintf("%s holds %s nodes/proxy on %s via %s: %s", [
			s.id, verbs, nodes, g.path.text, _impact(g),
		]),
		"resource": g.path.binding,
		"location": g.path.binding.location,
		"subject": s.id,
		"path": g.path.text,
		"evidence": {"subresource": "nodes/proxy", "verbs": verbs, "nodes": nodes, "rule": g.path.rule},
		"key": lib.path_key(g.path),
	}
}

# Exec access of broad groups is KA-RBAC-001, of ServiceAccounts KA-RBAC-002.
_reported_elsewhere(s, g) if {
	s.broad
	lib.exec_grant(g)
}

_reported_elsewhere(s, g) if {
	s.kind == "ServiceAccount"
	lib.exec_grant(g)
}

_impact(g) := "it can exec, attach and port-forward into any pod there" if {
	lib.exec_grant(g)
} else := "it can send PUT/PATCH/DELETE requests to any kubelet path (e.g. PUT /debug/flags/v), directly or through the API server node proxy"
