# METADATA
# title: A subject can read node log files via the kubelet
# description: >-
#   get on nodes/log lets the subject read the node's log files through the
#   kubelet /logs/ endpoint: the journal and everything under /var/log,
#   which often holds tokens, credentials printed by failing components and
#   other tenants' data. It is rarely needed outside log collectors, which
#   usually read files from a hostPath instead.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://kubernetes.io/docs/concepts/cluster-administration/system-logs/#log-query
# custom:
#   id: KA-RBAC-004
#   severity: high
#   per_subject: true
#   remediation: >-
#     Remove nodes/log from the role unless the subject is a reviewed log
#     collector; limit it with resourceNames to the nodes it serves.
#   tags: [rbac, nodes-log]
package kubelet_audit.rbac.node_log

import data.kubelet_audit.rbac.lib

findings contains f if {
	some s in lib.granted
	not s.system
	some g in s.grants
	g.subresource == "log"
	"get" in g.verbs
	nodes := lib.nodes_text(g)
	verbs := lib.verbs_text(g)
	f := {
		"msg": sprintf("%s can read node log files (/var/log, the journal) on %s through the kubelet /logs/ endpoint: %s nodes/log via %s", [
			s.id, nodes, verbs, g.path.text,
		]),
		"resource": g.path.binding,
		"location": g.path.binding.location,
		"subject": s.id,
		"path": g.path.text,
		"evidence": {"subresource": "nodes/log", "verbs": verbs, "nodes": nodes, "rule": g.path.rule},
		"key": lib.path_key(g.path),
	}
}
