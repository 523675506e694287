# METADATA
# title: Kubelet debugging or profiling handlers are reachable
# description: >-
#   /debug/pprof/ or /debug/flags/v answered from the kubelet's own handler
#   (2xx, or 406 for the flags handler) instead of 405 "... disabled" or 404:
#   enableDebuggingHandlers and the profiling/flags handlers are on and the
#   probing identity may use them. pprof exposes memory contents and
#   goroutine stacks of the kubelet; PUT /debug/flags/v changes its log
#   verbosity. Debugging handlers also enable exec, attach, port-forward and
#   container logs.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
# custom:
#   id: KA-KUBELET-005
#   severity: medium
#   remediation: Set enableProfilingHandler and enableDebugFlagsHandler to false (and enableDebuggingHandlers to false where kubectl exec, logs and port-forward are not needed) in the KubeletConfiguration, and restart the kubelet.
#   tags: [kubelet, probe, debug]
package kubelet_audit.kubelet.debug_handlers

import data.kubelet_audit.kubelet.lib

findings contains f if {
	some k in input.kubelets
	hits := [p |
		some p in k.probes
		startswith(p.path, "/debug/")
		p.outcome in {"allowed", "method-rejected"}
	]
	count(hits) > 0
	f := lib.finding(
		k, "debug-handlers", sprintf(
			"kubelet %s has debugging handlers on: %s",
			[lib.name(k), concat("; ", [sprintf("%s (%s)", [lib.request(p), p.identity]) | some p in hits])],
		),
		{
			"requests": [lib.request(p) | some p in hits],
			"identities": {p.identity | some p in hits},
			"response": hits[0].evidence,
		},
	)
}
