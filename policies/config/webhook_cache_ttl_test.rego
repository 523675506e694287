package kubelet_audit.config.webhook_cache_ttl_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.webhook_cache_ttl as rule

test_fires_on_long_ttls if {
	c := fx.config({"webhookCacheAuthorizedTTLSeconds": 3600, "authnWebhookCacheTTLSeconds": 1800})
	fs := rule.findings with input as fx.as_file(c)
	{f.key | some f in fs} == {"authorization.webhook.cacheAuthorizedTTL", "authentication.webhook.cacheTTL"}
	{f.evidence.value | some f in fs} == {"3600s", "1800s"}
}

test_quiet_at_ten_minutes if {
	c := fx.config({"webhookCacheAuthorizedTTLSeconds": 600, "authnWebhookCacheTTLSeconds": 600, "webhookCacheUnauthorizedTTLSeconds": 7200})
	fs := rule.findings with input as fx.as_file(c)
	count(fs) == 0
}

test_quiet_when_webhooks_unused if {
	c := fx.config({
		"authorizationMode": "AlwaysAllow", "webhookCacheAuthorizedTTLSeconds": 3600,
		"webhookAuthn": false, "authnWebhookCacheTTLSeconds": 3600,
	})
	fs := rule.findings with input as fx.as_file(c)
	count(fs) == 0
}
