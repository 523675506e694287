# METADATA
# title: An aggregated ClusterRole's stored rules drift from its aggregationRule
# description: >-
#   The live aggregated ClusterRole holds rules that its aggregationRule does
#   not imply, or lacks rules it does imply. The aggregation controller
#   normally rewrites the rules, so drift means the controller is not
#   running or someone edited the role by hand; either way the role grants
#   something nobody reviewed, possibly kubelet access.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles
# custom:
#   id: KA-RBAC-014
#   severity: medium
#   remediation: >-
#     Find out why the rules differ, remove hand-written rules from the
#     aggregated role and put them into a labelled component role instead.
#   tags: [rbac, aggregation, live]
package kubelet_audit.rbac.aggregation_drift

import data.kubelet_audit.rbac.lib

findings contains f if {
	some r in input.roles
	r.aggregationDrift[0]
	drift := r.aggregationDrift
	f := {
		"msg": sprintf("%s stored rules differ from what its aggregationRule implies: %s", [
			lib.ref_text(r), concat("; ", drift),
		]),
		"resource": lib.resource(r),
		"location": r.location,
		"evidence": {"drift": concat("; ", drift)},
	}
}
