# METADATA
# title: Kubelet authorization mode is AlwaysAllow
# description: >-
#   With authorization.mode AlwaysAllow the kubelet never asks the API server
#   (SubjectAccessReview) whether a caller may use an endpoint: every
#   authenticated caller — any ServiceAccount token when webhook
#   authentication is on, and everyone when anonymous authentication is on —
#   can list pod specs, read logs and exec into every container on the node
#   through /run, /exec, /attach and /portForward. The config-file default is
#   Webhook, but the legacy --authorization-mode flag defaults to AlwaysAllow
#   (CIS 4.2.2).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-002
#   severity: critical
#   remediation: Set authorization.mode to Webhook in the KubeletConfiguration (or pass --authorization-mode=Webhook), grant node subresources through RBAC, and restart the kubelet.
#   tags: [kubelet, config, authorization, cis]
#   cis: ["4.2.2"]
package kubelet_audit.config.authorization_mode

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.authorizationMode == "AlwaysAllow"
	f := lib.finding(c, "authorization.mode", "\"AlwaysAllow\"", sprintf(
		"%s may exec into every pod, read pod specs and logs through the kubelet API without any RBAC check; set authorization.mode: Webhook",
		[who(c)],
	))
}

who(c) := "anyone who reaches port 10250 (anonymous authentication is also on)" if {
	c.anonymousAuth == true
} else := "every authenticated caller (any valid ServiceAccount token or client certificate)"
