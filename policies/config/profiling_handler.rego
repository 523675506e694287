# METADATA
# title: Kubelet profiling endpoint is enabled
# description: >-
#   enableProfilingHandler true (the default) serves /debug/pprof when the
#   debugging handlers are on: heap and goroutine dumps can leak secrets held
#   in kubelet memory, /debug/pprof/cmdline shows the kubelet's flags, and
#   CPU profiles or traces cost node resources on demand. The kubelet only
#   installs it together with enableDebuggingHandlers, so this rule fires only
#   when both are on.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
# custom:
#   id: KA-CONFIG-015
#   severity: medium
#   remediation: Set enableProfilingHandler to false unless profiling the kubelet is needed right now.
#   tags: [kubelet, config, debug]
#   cis: []
package kubelet_audit.config.profiling_handler

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.enableDebuggingHandlers == true
	c.enableProfilingHandler == true
	f := lib.finding(c, "enableProfilingHandler", "true", "the kubelet serves /debug/pprof (memory dumps, command line, CPU profiles) to anyone the authorizer allows nodes/proxy; set enableProfilingHandler: false")
}
