# METADATA
# title: Kubelet metrics readable outside the monitoring namespace
# description: >-
#   Our convention: only ServiceAccounts in namespace monitoring may read
#   kubelet metrics (nodes/metrics). Any other subject holding it is either a
#   forgotten agent or a mistake.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: CUSTOM-001
#   severity: medium
#   remediation: Move the metrics agent to namespace monitoring or remove its nodes/metrics grant.
#   tags: [custom, nodes-metrics]
package custom.metrics_outside_monitoring

# Example user policy for `kubelet-audit scan --policy DIR`. It reads the
# same `input` document as the built-in rules (README "Policy input schema").
findings contains f if {
	some s in input.subjects
	not s.system
	not _in_monitoring(s)
	some g in s.grants
	g.subresource == "metrics"
	f := {
		"msg": sprintf("%s reads kubelet metrics outside namespace monitoring via %s", [s.id, g.path.text]),
		"resource": {"kind": g.path.binding.kind, "namespace": object.get(g.path.binding, "namespace", ""), "name": g.path.binding.name},
		"location": g.path.binding.location,
		"subject": s.id,
		"path": g.path.text,
		"evidence": {"verbs": g.verbs},
	}
}

_in_monitoring(s) if {
	s.kind == "ServiceAccount"
	s.namespace == "monitoring"
}
