# METADATA
# title: The API server's authorization disagrees with RBAC on node access
# description: >-
#   A SubjectAccessReview (scan --cluster --verify) answered differently from
#   kubelet-audit's RBAC resolver about a subject's access to a node
#   subresource. When the API server allows what no RBAC binding grants, the
#   access comes from outside RBAC: an authorizer webhook, membership in
#   system:masters, the Node authorizer or ABAC; the RBAC findings of this
#   scan then understate who reaches the kubelet. When the API server denies
#   what RBAC grants, an authorizer ahead of RBAC overrides it, or the RBAC
#   objects read differ from what the API server enforces, and RBAC findings
#   for this subject may overstate its access. The kubelet's own webhook
#   authorization asks the API server the same question, so its answer is
#   what the kubelet enforces.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/authorization/
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/webhook/
# custom:
#   id: KA-CLUSTER-001
#   severity: high
#   remediation: >-
#     Find the authorizer that decides (kube-apiserver --authorization-config
#     or --authorization-mode, authorizer webhooks, system:masters
#     certificates, ABAC policy files), remove node access granted outside
#     RBAC, and express the intended access as RBAC so it can be reviewed.
#   tags: [cluster, rbac, authorization]
package kubelet_audit.cluster.sar_disagreement

findings contains f if {
	some v in input.verifications
	object.get(v, "error", "") == ""
	v.resolver != v.apiServer
	s := subject(v.subject)
	f := {
		"msg": message(v),
		"resource": {"kind": s.kind, "namespace": s.namespace, "name": s.name},
		"location": {"file": "", "line": 0, "uri": s.uri},
		"subject": v.subject,
		"evidence": {
			"subresource": sprintf("nodes/%s", [v.subresource]),
			"verb": v.verb,
			"rbac": decision(v.resolver),
			"apiServer": decision(v.apiServer),
			"reason": object.get(v, "reason", ""),
		},
		"key": sprintf("nodes/%s:%s", [v.subresource, v.verb]),
	}
}

decision(true) := "allowed"

decision(false) := "denied"

message(v) := sprintf(
	"the API server allows %s to %s nodes/%s but no RBAC binding grants it: the access comes from outside RBAC (authorizer webhook, system:masters, Node authorizer or ABAC), so RBAC findings understate it%s",
	[v.subject, v.verb, v.subresource, reason_text(v)],
) if {
	v.apiServer
	not v.resolver
}

message(v) := sprintf(
	"RBAC grants %s %s nodes/%s but the API server denies it: an authorizer ahead of RBAC overrides it or the RBAC read differs from what is enforced, so RBAC findings for it may overstate its access%s",
	[v.subject, v.verb, v.subresource, reason_text(v)],
) if {
	v.resolver
	not v.apiServer
}

reason_text(v) := sprintf(" (API server reason: %s)", [v.reason]) if {
	object.get(v, "reason", "") != ""
} else := ""

# subject splits a facts subject id ("Kind:name" or
# "ServiceAccount:namespace/name") into the finding resource and a k8s:// URI.
subject(id) := {
	"kind": "ServiceAccount", "namespace": parts[0], "name": parts[1],
	"uri": sprintf("k8s://serviceaccount/%s/%s", [parts[0], parts[1]]),
} if {
	startswith(id, "ServiceAccount:")
	parts := split(trim_prefix(id, "ServiceAccount:"), "/")
	count(parts) == 2
} else := {
	"kind": kind, "namespace": "", "name": name,
	"uri": sprintf("k8s://%s/%s", [lower(kind), name]),
} if {
	i := indexof(id, ":")
	i > 0
	kind := substring(id, 0, i)
	name := substring(id, i + 1, -1)
} else := {"kind": "Subject", "namespace": "", "name": id, "uri": sprintf("k8s://subject/%s", [id])}
