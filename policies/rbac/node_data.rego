# METADATA
# title: A subject can read pod specs, usage data or checkpoints via the kubelet
# description: >-
#   nodes/pods returns the full spec of every pod on the node including env
#   values (fine-grained kubelet authorization, checked before nodes/proxy),
#   nodes/stats returns node and pod resource usage, and nodes/checkpoint
#   dumps a container's memory. Any of them held by a non-system subject, or
#   nodes/metrics, spec, configz or healthz held by a broad group (anonymous,
#   all authenticated users, a ServiceAccount group), leaks workload data
#   and reconnaissance to identities nobody reviews.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/2862-fine-grained-kubelet-authz
# custom:
#   id: KA-RBAC-005
#   severity: medium
#   per_subject: true
#   remediation: >-
#     Grant nodes/stats, nodes/pods and nodes/checkpoint only to the agent
#     that needs them, and never grant kubelet subresources to
#     system:authenticated, system:unauthenticated or ServiceAccount groups.
#   tags: [rbac, nodes-stats, nodes-pods]
package kubelet_audit.rbac.node_data

import data.kubelet_audit.rbac.lib

# Subresources that expose workload data to anyone holding them.
_data := {"stats", "pods", "checkpoint"}

# Reconnaissance endpoints: a problem when held by a broad group.
_recon := {"metrics", "spec", "configz", "healthz"}

# _exposed_set is what the subject must not read: workload data always,
# reconnaissance endpoints too when it is a broad group.
_exposed_set(s) := _data | _recon if {
	s.broad
} else := _data

# One finding per subject and role rule, listing every subresource it exposes.
findings contains f if {
	some s in lib.granted
	not s.system
	exposed := _exposed_set(s)
	some same in lib.by_path([h | some h in s.grants; exposed[h.subresource]])
	g := same[0]
	subs := sort({h.subresource | some h in same})
	verbs := sort({v | some h in same; some v in h.verbs})
	nodes := lib.nodes_text(g)
	f := {
		"msg": sprintf("%s can read %s on %s through the kubelet via %s", [
			s.id, lib.describe_list(subs), nodes, g.path.text,
		]),
		"resource": g.path.binding,
		"location": g.path.binding.location,
		"subject": s.id,
		"path": g.path.text,
		"evidence": {
			"subresources": lib.subresources_text(subs),
			"verbs": concat(",", verbs), "nodes": nodes, "rule": g.path.rule,
		},
		"key": lib.path_key(g.path),
	}
}
