# METADATA
# title: Kubelet read-only port is enabled
# description: >-
#   A non-zero readOnlyPort (usually 10255) serves /pods, /stats, /metrics and
#   /spec over plain HTTP with no authentication and no authorization: pod
#   specs (environment values included) and node details are open to anyone
#   who can reach the node. The config-file default is 0 (off); the legacy
#   --read-only-port flag defaults to 10255 (CIS 4.2.4).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-004
#   severity: high
#   remediation: Set readOnlyPort to 0 in the KubeletConfiguration (or pass --read-only-port=0) and move metrics collection to the authenticated port 10250.
#   tags: [kubelet, config, read-only-port, cis]
#   cis: ["4.2.4"]
package kubelet_audit.config.read_only_port

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.readOnlyPort > 0
	f := lib.finding(c, "readOnlyPort", sprintf("%d", [c.readOnlyPort]), sprintf(
		"the kubelet serves /pods, /stats, /metrics and /spec over plain HTTP on port %d to anyone, without authentication or authorization; set readOnlyPort: 0",
		[c.readOnlyPort],
	))
}
