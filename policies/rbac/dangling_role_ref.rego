# METADATA
# title: A binding references a role that does not exist
# description: >-
#   The binding's roleRef names a Role or ClusterRole that is neither in the
#   input nor part of the Kubernetes bootstrap policy. It grants nothing
#   today, but whoever can later create a role with that name decides what
#   the binding's subjects may do, kubelet access included.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding
# custom:
#   id: KA-RBAC-012
#   severity: low
#   remediation: >-
#     Delete the binding, or create the intended role alongside it so the
#     grant is explicit and reviewed.
#   tags: [rbac, dangling]
package kubelet_audit.rbac.dangling_role_ref

import data.kubelet_audit.rbac.lib

findings contains f if {
	some b in input.bindings
	not b.roleFound
	subjects := concat(", ", lib.list(b.subjects))
	f := {
		"msg": sprintf("%s references %s, which does not exist: whoever creates it later grants its rules to %s", [
			lib.ref_text(b), lib.ref_text(b.roleRef), _who(subjects),
		]),
		"resource": lib.resource(b),
		"location": b.location,
		"evidence": {"roleRef": lib.ref_text(b.roleRef), "subjects": subjects},
	}
}

_who(subjects) := subjects if subjects != ""

_who(subjects) := "its subjects" if subjects == ""
