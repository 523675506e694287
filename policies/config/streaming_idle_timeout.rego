# METADATA
# title: Kubelet streaming connections never time out
# description: >-
#   An effective streamingConnectionIdleTimeout of 0 keeps idle exec, attach
#   and port-forward streams open forever: forgotten sessions stay usable and
#   idle connections pile up (denial of service). Note that a config FILE
#   cannot produce this: the kubelet's file defaulting treats a written 0 as
#   unset and uses 4h (reported by KA-CONFIG-018); only the
#   --streaming-connection-idle-timeout=0 flag does, which the running
#   kubelet's /configz shows (CIS 4.2.5).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-005
#   severity: low
#   remediation: Remove --streaming-connection-idle-timeout=0 from the kubelet flags and set streamingConnectionIdleTimeout to a bounded value such as 4h (the default) or less.
#   tags: [kubelet, config, cis]
#   cis: ["4.2.5"]
package kubelet_audit.config.streaming_idle_timeout

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.streamingConnectionIdleTimeoutSeconds == 0
	f := lib.finding(c, "streamingConnectionIdleTimeout", "0s", "idle exec, attach and port-forward streams are never closed; set streamingConnectionIdleTimeout to a bounded value such as 4h or less")
}
