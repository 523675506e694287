# METADATA
# title: Kubelet authorizes an identity that holds no node permissions (AlwaysAllow)
# description: >-
#   The authenticated probe used an identity that holds no RBAC on nodes
#   (cluster mode's own low-privilege probe identity), yet the kubelet
#   served it beyond /healthz. Under authorization mode Webhook that
#   identity gets 403; only authorization mode AlwaysAllow (the legacy flag
#   default) answers like this. Every ServiceAccount token in the cluster
#   can then exec in every pod on the node, even though anonymous requests
#   get 401 (CIS 4.2.2).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/#kubelet-authorization
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-KUBELET-007
#   severity: critical
#   remediation: Set authorization.mode to Webhook in the KubeletConfiguration (or pass --authorization-mode=Webhook with authentication.webhook.enabled true) and restart the kubelet.
#   tags: [kubelet, probe, authorization, cis]
#   cis: ["4.2.2"]
package kubelet_audit.kubelet.always_allow

import data.kubelet_audit.kubelet.lib

findings contains f if {
	some k in input.kubelets
	k.authPass.lowPrivilege == true
	hits := [p |
		some p in k.probes
		p.identity == k.authPass.identity
		p.path != "/healthz"
		p.outcome in lib.authorized_outcomes
	]
	count(hits) > 0
	f := lib.finding(
		k, "always-allow", sprintf(
			"kubelet %s authorized the low-privilege %s identity (no node RBAC): %s; its authorization mode behaves like AlwaysAllow",
			[lib.name(k), k.authPass.identity, concat("; ", [lib.request(p) | some p in hits])],
		),
		{
			"identity": sprintf("%s (low-privilege: holds no node RBAC)", [k.authPass.identity]),
			"requests": [lib.request(p) | some p in hits],
			"response": hits[0].evidence,
			"anonymous": k.anonymous,
		},
	)
}
