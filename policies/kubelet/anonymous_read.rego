# METADATA
# title: Anonymous requests may read kubelet data
# description: >-
#   Requests without credentials to the kubelet API (port 10250) got 2xx
#   answers on data endpoints: /pods (every pod spec on the node, including
#   environment variable values), /configz (the running configuration),
#   /stats, /metrics, /logs. Anyone who can reach the node reads secrets
#   passed as env values and maps the workload. The answer bodies are not
#   copied into this report.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: KA-KUBELET-002
#   severity: critical
#   remediation: Turn anonymous authentication off (authentication.anonymous.enabled false), use authorization mode Webhook, remove nodes/* grants to system:anonymous and system:unauthenticated, and restart the kubelet.
#   tags: [kubelet, probe, anonymous, data]
#   cis: ["4.2.1", "4.2.2"]
package kubelet_audit.kubelet.anonymous_read

import data.kubelet_audit.kubelet.lib

findings contains f if {
	some k in input.kubelets
	hits := [p |
		some p in lib.anonymous_probes(k)
		lib.data_path(p.path)
		p.outcome == "allowed"
	]
	count(hits) > 0
	f := lib.anonymous_finding(
		k, "anonymous-read", sprintf(
			"kubelet %s serves node data to anonymous requests: %s%s",
			[lib.name(k), concat("; ", [lib.request(p) | some p in hits]), pods_note(hits)],
		),
		{
			"requests": [lib.request(p) | some p in hits],
			"response": hits[0].evidence,
			"anonymous": k.anonymous,
		},
	)
}

pods_note(hits) := sprintf(" (/pods listed %d pod specs with env values)", [p.podCount]) if {
	some p in hits
	p.path == "/pods"
	object.get(p, "podCount", 0) > 0
} else := ""
