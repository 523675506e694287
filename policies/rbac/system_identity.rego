# METADATA
# title: An expected system identity holds kubelet access
# description: >-
#   A Kubernetes infrastructure identity holds node subresources, for example
#   system:masters through cluster-admin, the API server's kubelet client
#   through system:kubelet-api-admin, or system:nodes. This is how clusters
#   work and is listed for completeness so the inventory of who reaches the
#   kubelet is whole; check that the identity's credentials are held only by
#   the control plane.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: KA-RBAC-013
#   severity: info
#   per_subject: true
#   remediation: >-
#     No change needed; keep client certificates of these identities
#     (system:masters in particular) on the control plane only.
#   tags: [rbac, system]
package kubelet_audit.rbac.system_identity

import data.kubelet_audit.rbac.lib

# One finding per system subject and binding, listing the subresources.
findings contains f if {
	some s in lib.granted
	s.system
	some g in s.grants
	binding := lib.ref_text(g.path.binding)
	subs := sort({sprintf("nodes/%s", [h.subresource]) | some h in s.grants; lib.ref_text(h.path.binding) == binding})
	f := {
		"msg": sprintf("%s (expected system identity) reaches %s through %s -> %s", [
			s.id, concat(", ", subs), binding, lib.ref_text(g.path.role),
		]),
		"resource": g.path.binding,
		"location": g.path.binding.location,
		"subject": s.id,
		"evidence": {"subresources": concat(",", subs), "role": lib.ref_text(g.path.role)},
	}
}
