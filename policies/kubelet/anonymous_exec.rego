# METADATA
# title: Anonymous requests may execute commands in pods through the kubelet
# description: >-
#   Requests without credentials to the kubelet API (port 10250) are
#   authorized for the exec family (/run, /exec, /attach, /portForward): the
#   kubelet answered the safe probe, which names a made-up pod, with its own
#   404 "pod does not exist" (or a 2xx), which it only does after
#   authentication and authorization let the request through. Anyone who
#   can reach the node can run commands in every container on it, read
#   their service-account tokens and take over the node. Nothing was run:
#   the probe used random pod names and no command body.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://github.com/kubernetes/kubernetes/issues/136550
# custom:
#   id: KA-KUBELET-001
#   severity: critical
#   remediation: Turn anonymous authentication off (authentication.anonymous.enabled false or --anonymous-auth=false), use authorization mode Webhook instead of AlwaysAllow, remove any nodes/proxy grant to system:anonymous or system:unauthenticated, and restart the kubelet.
#   tags: [kubelet, probe, anonymous, exec]
#   cis: ["4.2.1", "4.2.2"]
package kubelet_audit.kubelet.anonymous_exec

import data.kubelet_audit.kubelet.lib

findings contains f if {
	some k in input.kubelets
	hits := [p |
		some p in lib.anonymous_probes(k)
		lib.exec_path(p.path)
		p.outcome in {"exec-authorized", "allowed"}
	]
	count(hits) > 0
	f := lib.anonymous_finding(
		k, "anonymous-exec", sprintf(
			"kubelet %s lets anonymous requests reach the exec family: %s (a made-up pod, so nothing ran); anyone who can reach the node can run commands in its pods",
			[lib.name(k), concat("; ", [lib.request(p) | some p in hits])],
		),
		{
			"requests": [lib.request(p) | some p in hits],
			"response": hits[0].evidence,
			"authorizes": sprintf("nodes/%s %s", [hits[0].subresource, hits[0].verb]),
			"anonymous": k.anonymous,
		},
	)
}
