# METADATA
# title: Pod PID limit is not set
# description: >-
#   podPidsLimit unset (the default, -1) or 0 lets one pod create processes
#   until the node's PID space runs out (fork bomb), starving the kubelet and
#   every other pod on the node (CIS 4.2.13).
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/policy/pid-limiting/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-013
#   severity: low
#   remediation: Set podPidsLimit to a positive limit sized for the workloads (for example 4096).
#   tags: [kubelet, config, cis]
#   cis: ["4.2.13"]
package kubelet_audit.config.pod_pids_limit

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.podPidsLimit <= 0
	f := lib.finding(c, "podPidsLimit", sprintf("%d (unlimited)", [c.podPidsLimit]), "a single pod can exhaust the node's process IDs (fork bomb); set podPidsLimit to a positive value such as 4096")
}
