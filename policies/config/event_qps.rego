# METADATA
# title: Kubelet event creation is not rate-limited
# description: >-
#   eventRecordQPS 0 removes the limit on events the kubelet sends to the API
#   server: a crash-looping or hostile workload can flood the API server and
#   etcd with events (denial of service). CIS 4.2.8 asks for "a level which
#   ensures appropriate event capture": kubelet-audit accepts any positive
#   value (the default 50 is appropriate for most clusters) and flags only 0,
#   the unlimited setting; very low values lose events but are a choice.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-008
#   severity: low
#   remediation: Set eventRecordQPS to a positive value (the default 50, or a level sized to the cluster's event volume) or remove the field.
#   tags: [kubelet, config, cis]
#   cis: ["4.2.8"]
package kubelet_audit.config.event_qps

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.eventRecordQPS == 0
	f := lib.finding(c, "eventRecordQPS", "0 (unlimited)", "event creation is not rate-limited, so an event flood can overload the API server; set eventRecordQPS to a positive value such as 50")
}
