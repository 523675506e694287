# METADATA
# title: Kubelet anonymous authentication is enabled
# description: >-
#   With authentication.anonymous.enabled true, every request to the kubelet
#   API (port 10250) that carries no credentials is served as user
#   system:anonymous, group system:unauthenticated. Whatever the authorizer
#   grants those identities is open to anyone who can reach the node; with
#   authorization mode AlwaysAllow that is code execution in every pod. The
#   config-file default is false, but the legacy --anonymous-auth flag
#   defaults to true (CIS 4.2.1).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
#   - ref: https://www.cisecurity.org/benchmark/kubernetes
# custom:
#   id: KA-CONFIG-001
#   severity: high
#   remediation: Set authentication.anonymous.enabled to false in the KubeletConfiguration (or pass --anonymous-auth=false) and restart the kubelet.
#   tags: [kubelet, config, authentication, cis]
#   cis: ["4.2.1"]
package kubelet_audit.config.anonymous_auth

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.anonymousAuth == true
	f := lib.finding(c, "authentication.anonymous.enabled", "true", sprintf(
		"requests without credentials reach the kubelet as system:anonymous and get whatever %s grants that user; set authentication.anonymous.enabled: false",
		[authorizer(c)],
	))
}

authorizer(c) := "authorization mode AlwaysAllow (everything)" if {
	c.authorizationMode == "AlwaysAllow"
} else := sprintf("authorization mode %s", [c.authorizationMode])
