# METADATA
# title: Kubelet webhook token authentication is disabled
# description: >-
#   With authentication.webhook.enabled false the kubelet cannot validate
#   bearer tokens (TokenReview): ServiceAccount tokens of monitoring or
#   logging agents get 401, or are served as system:anonymous when anonymous
#   authentication is on, which pushes operators towards anonymous access,
#   AlwaysAllow or the read-only port. The config-file default is true; the
#   legacy --authentication-token-webhook flag defaults to false.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: KA-CONFIG-017
#   severity: low
#   remediation: Set authentication.webhook.enabled to true (or pass --authentication-token-webhook) so tokens are authenticated and authorized per identity.
#   tags: [kubelet, config, authentication]
#   cis: []
package kubelet_audit.config.webhook_authn_disabled

import data.kubelet_audit.config.lib

findings contains f if {
	some c in lib.configs
	c.webhookAuthn == false
	f := lib.finding(c, "authentication.webhook.enabled", "false", "bearer tokens cannot be verified, so ServiceAccount clients are rejected or treated as anonymous; set authentication.webhook.enabled: true")
}
