# METADATA
# title: Kubelet debugging handlers are enabled
# description: >-
#   enableDebuggingHandlers true (the kubelet's default, in files and flags)
#   installs /run, /exec, /attach, /portForward, /containerLogs, /runningpods,
#   /logs and the /debug/pprof and /debug/flags endpoints: code execution in
#   every container and node log access for whoever the authorizer lets
#   through (nodes/proxy). Nodes that never need kubectl exec/logs/port-forward
#   can turn them off; note that this also breaks those kubectl commands.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: KA-CONFIG-014
#   severity: medium
#   remediation: Set enableDebuggingHandlers to false on nodes that do not need kubectl exec, attach, logs or port-forward; elsewhere keep anonymous auth off, authorization Webhook, and nodes/proxy narrowly granted.
#   tags: [kubelet, config, debug]
#   cis: []
package kubelet_audit.config.debugging_handlers

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.enableDebuggingHandlers == true
	f := lib.finding(c, "enableDebuggingHandlers", "true", "the kubelet exposes /run, /exec, /attach, /portForward, /containerLogs, /logs and /debug/pprof to anyone the authorizer allows nodes/proxy; set enableDebuggingHandlers: false where exec and logs are not needed")
}
