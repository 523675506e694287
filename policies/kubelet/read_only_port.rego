# METADATA
# title: Kubelet read-only port is open
# description: >-
#   The kubelet's read-only port (10255, plain HTTP) answered. It has no
#   authentication and no authorization: /pods (pod specs with env values),
#   /stats, /metrics and /healthz are open to anyone who can reach the node.
#   It is on by default with the legacy --read-only-port flag (CIS 4.2.4).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-KUBELET-004
#   severity: high
#   remediation: Set readOnlyPort to 0 in the KubeletConfiguration (or pass --read-only-port=0) and restart the kubelet.
#   tags: [kubelet, probe, read-only-port, cis]
#   cis: ["4.2.4"]
package kubelet_audit.kubelet.read_only_port

import data.kubelet_audit.kubelet.lib

findings contains f if {
	some k in input.kubelets
	k.readOnly.open == true
	f := lib.finding(
		k, "read-only-port", sprintf(
			"kubelet %s serves its unauthenticated read-only API on port %d: %s",
			[lib.name(k), k.readOnly.port, k.readOnly.evidence],
		),
		{
			"port": sprintf("%d", [k.readOnly.port]),
			"response": k.readOnly.evidence,
		},
	)
}
