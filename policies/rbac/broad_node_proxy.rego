# METADATA
# title: Anonymous users or everyone can exec in any pod via the kubelet
# description: >-
#   A broad group (system:anonymous, system:unauthenticated,
#   system:authenticated or a ServiceAccount group) holds get or create on
#   nodes/proxy. The kubelet authorizes exec, attach, port-forward and run
#   with exactly these verbs (a WebSocket exec is a plain GET), directly on
#   port 10250 or through the API server's node proxy, and its audit trail
#   shows only a proxy request. Everyone in the group can run commands in
#   every pod on every node it covers, read their secrets and take over the
#   nodes.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://kubernetes.io/docs/concepts/security/rbac-good-practices/
# custom:
#   id: KA-RBAC-001
#   severity: critical
#   per_subject: true
#   remediation: >-
#     Remove the subject from the binding (or delete the binding) and grant
#     nodes/proxy, if at all, only to the named identity that needs it;
#     prefer nodes/metrics, nodes/stats or nodes/log for monitoring and logging agents.
#   tags: [rbac, nodes-proxy, exec]
#   cis: ["5.1.10"]
package kubelet_audit.rbac.broad_node_proxy

import data.kubelet_audit.rbac.lib

findings contains f if {
	some s in lib.granted
	s.broad
	not s.system
	some g in s.grants
	lib.exec_grant(g)
	f := {
		"msg": sprintf("%s (%s) can exec into any pod on %s through the kubelet: %s nodes/proxy via %s", [
			s.id, lib.scope_text(s), lib.nodes_text(g), lib.verbs_text(g), g.path.text,
		]),
		"resource": g.path.binding,
		"location": g.path.binding.location,
		"subject": s.id,
		"path": g.path.text,
		"evidence": {"subresource": "nodes/proxy", "verbs": lib.verbs_text(g), "nodes": lib.nodes_text(g), "rule": g.path.rule},
		"key": lib.path_key(g.path),
	}
}
