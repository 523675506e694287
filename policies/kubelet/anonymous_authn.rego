# METADATA
# title: Kubelet anonymous authentication is on
# description: >-
#   The kubelet API (port 10250) accepts requests without credentials as
#   user system:anonymous (group system:unauthenticated): it answered 403
#   naming system:anonymous, or served the request, instead of 401
#   Unauthorized. Even where the authorizer denies everything today, one
#   RBAC grant to system:anonymous, system:unauthenticated or a switch to
#   AlwaysAllow opens the node to anyone who can reach it (CIS 4.2.1).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-KUBELET-003
#   severity: high
#   remediation: Set authentication.anonymous.enabled to false in the KubeletConfiguration (or pass --anonymous-auth=false) and restart the kubelet.
#   tags: [kubelet, probe, anonymous, authentication, cis]
#   cis: ["4.2.1"]
package kubelet_audit.kubelet.anonymous_authn

import data.kubelet_audit.kubelet.lib

findings contains f if {
	some k in input.kubelets
	k.anonymous == "enabled"
	p := proof(k)
	f := lib.anonymous_finding(
		k, "anonymous-authn", sprintf(
			"kubelet %s authenticates requests without credentials as system:anonymous instead of answering 401: %s",
			[lib.name(k), lib.request(p)],
		),
		{
			"request": lib.request(p),
			"response": p.evidence,
			"authorizer": authorizer(k),
		},
	)
}

# proof is the first anonymous probe that shows anonymous authentication:
# a 403 naming system:anonymous is preferred (it is the clearest evidence).
proof(k) := p if {
	ps := [p | some p in lib.anonymous_probes(k); p.outcome == "forbidden"; p.user == "system:anonymous"]
	count(ps) > 0
	p := ps[0]
} else := p if {
	ps := [p | some p in lib.anonymous_probes(k); p.outcome in lib.authorized_outcomes]
	p := ps[0]
}

authorizer(k) := "denies every anonymous probe" if {
	every p in lib.anonymous_probes(k) {
		not p.outcome in lib.authorized_outcomes
	}
} else := "authorizes some anonymous probes"
