# METADATA
# title: Kubelet webhook cache keeps decisions for a long time
# description: >-
#   The kubelet caches webhook answers: authorization "allowed" decisions for
#   authorization.webhook.cacheAuthorizedTTL (default 5m) and token reviews
#   for authentication.webhook.cacheTTL (default 2m). Above 10 minutes, a
#   revoked RBAC grant or a deleted ServiceAccount token keeps working on the
#   kubelet for that long. The unauthorized TTL only delays new grants and is
#   not flagged.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
#   - ref: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
# custom:
#   id: KA-CONFIG-016
#   severity: low
#   remediation: Keep authorization.webhook.cacheAuthorizedTTL and authentication.webhook.cacheTTL at 10 minutes or less (defaults 5m and 2m).
#   tags: [kubelet, config, authorization]
#   cis: []
package kubelet_audit.config.webhook_cache_ttl

import data.kubelet_audit.config.lib

max_seconds := 600

findings contains f if {
	some c in lib.configs
	c.authorizationMode == "Webhook"
	c.webhookCacheAuthorizedTTLSeconds > max_seconds
	f := lib.finding(c, "authorization.webhook.cacheAuthorizedTTL", lib.seconds(c.webhookCacheAuthorizedTTLSeconds), "a revoked RBAC grant keeps working on this kubelet until the cached decision expires; keep it at 10m or less (default 5m)")
}

findings contains f if {
	some c in lib.configs
	c.webhookAuthn == true
	c.authnWebhookCacheTTLSeconds > max_seconds
	f := lib.finding(c, "authentication.webhook.cacheTTL", lib.seconds(c.authnWebhookCacheTTLSeconds), "a deleted or revoked token keeps authenticating on this kubelet until the cached review expires; keep it at 10m or less (default 2m)")
}
