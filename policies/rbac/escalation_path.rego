# METADATA
# title: A subject can grant itself kubelet access
# description: >-
#   The subject holds a permission that is a path to node access: bind or
#   escalate on roles, impersonate users, groups or ServiceAccounts, write
#   (Cluster)RoleBindings or (Cluster)Roles, or create pods or tokens for a
#   ServiceAccount that already has node access. It does not hold kubelet
#   access today but can obtain it in one step.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping
# custom:
#   id: KA-RBAC-011
#   severity: high
#   remediation: >-
#     Remove bind, escalate, impersonate and write access to roles and
#     bindings from the subject, and do not let it create pods or tokens in
#     namespaces whose ServiceAccounts hold node access.
#   tags: [rbac, escalation]
#   cis: ["5.1.8"]
package kubelet_audit.rbac.escalation_path

import data.kubelet_audit.rbac.lib

findings contains f if {
	some s in lib.escalating
	not s.system
	some e in s.escalations
	targets := concat(", ", lib.list(e.targets))
	f := {
		"msg": sprintf("%s has an escalation path to node access (%s): %s (%s %s via %s)", [
			s.id, _how[e.kind], e.detail, concat(",", lib.list(e.verbs)), e.resource, e.path.text,
		]),
		"resource": lib.resource(e.path.binding),
		"location": e.path.binding.location,
		"subject": s.id,
		"path": e.path.text,
		"evidence": {"kind": e.kind, "verbs": concat(",", lib.list(e.verbs)), "resource": e.resource, "targets": targets},
		"key": sprintf("%s:%s", [e.kind, lib.path_key(e.path)]),
	}
}

_how := {
	"bind": "binding a role that carries node access",
	"escalate": "adding node permissions to a role it can edit (escalate)",
	"impersonate": "impersonating an identity with node access",
	"write-bindings": "creating or changing a role binding",
	"write-roles": "creating or changing a role",
	"create-pods": "running a pod as a ServiceAccount with node access",
	"create-token": "requesting a token for a ServiceAccount with node access",
}
