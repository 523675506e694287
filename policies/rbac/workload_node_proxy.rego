# METADATA
# title: A ServiceAccount can exec in any pod via the kubelet
# description: >-
#   A ServiceAccount holds get or create on nodes/proxy, which lets it exec,
#   attach and port-forward into every pod on every node through the kubelet
#   (a WebSocket exec is a plain GET). A ServiceAccount is a workload
#   identity: whoever compromises a pod that runs as it (or reads its token)
#   can take over every node, so one vulnerable monitoring or CI pod becomes
#   a cluster compromise. The message names the workloads found in the input
#   that run as the ServiceAccount.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://kubernetes.io/docs/concepts/security/rbac-good-practices/
# custom:
#   id: KA-RBAC-002
#   severity: critical
#   per_subject: true
#   remediation: >-
#     Replace nodes/proxy with the narrow subresource the workload needs
#     (nodes/metrics, nodes/stats, nodes/log) or read the data through the
#     API server; if proxy access is unavoidable, limit it with resourceNames
#     and set automountServiceAccountToken to false where the token is not needed.
#   tags: [rbac, nodes-proxy, exec, workload]
#   cis: ["5.1.10"]
package kubelet_audit.rbac.workload_node_proxy

import data.kubelet_audit.rbac.lib

findings contains f if {
	some s in lib.granted
	s.kind == "ServiceAccount"
	not s.broad
	not s.system
	some g in s.grants
	lib.exec_grant(g)
	nodes := lib.nodes_text(g)
	verbs := lib.verbs_text(g)
	f := {
		"msg": sprintf("%s can exec into any pod on %s through the kubelet (%s nodes/proxy via %s); %s", [
			s.id, nodes, verbs, g.path.text, _runners(s),
		]),
		"resource": g.path.binding,
		"location": g.path.binding.location,
		"subject": s.id,
		"path": g.path.text,
		"evidence": {
			"subresource": "nodes/proxy", "verbs": verbs, "nodes": nodes,
			"rule": g.path.rule, "workloads": lib.workloads_text(s),
		},
		"key": lib.path_key(g.path),
	}
}

_runners(s) := sprintf("it is the identity of %s: compromising any of these pods compromises the nodes", [lib.workloads_text(s)]) if {
	count(lib.list(s.workloads)) > 0
} else := "no workload in the scanned input runs as it, but any pod that does (or anyone holding its token) gets this access"
