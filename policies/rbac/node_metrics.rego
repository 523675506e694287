# METADATA
# title: A specific subject reads kubelet metrics, spec, configz or healthz
# description: >-
#   A named user, group or ServiceAccount holds nodes/metrics, nodes/spec,
#   nodes/configz or nodes/healthz. This is what monitoring agents
#   (Prometheus, metrics-server, Datadog) need and is usually fine; it is
#   listed so the grant stays reviewed. configz reveals the kubelet's
#   security settings, which helps an attacker plan the next step.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: KA-RBAC-006
#   severity: low
#   per_subject: true
#   remediation: >-
#     Keep the grant only for monitoring agents that need it, drop nodes/configz
#     unless the agent reads kubelet configuration, and prefer get over wildcards.
#   tags: [rbac, nodes-metrics, monitoring]
package kubelet_audit.rbac.node_metrics

import data.kubelet_audit.rbac.lib

_recon := {"metrics", "spec", "configz", "healthz"}

# One finding per subject and role rule, listing the subresources.
findings contains f if {
	some s in lib.granted
	not s.system
	not s.broad
	some same in lib.by_path([h | some h in s.grants; _recon[h.subresource]])
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
