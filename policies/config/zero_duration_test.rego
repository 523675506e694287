package kubelet_audit.config.zero_duration_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.zero_duration as rule

test_fires_per_zero_field if {
	c := fx.config({"zeroDefaulted": ["streamingConnectionIdleTimeout", "authorization.webhook.cacheAuthorizedTTL"]})
	fs := rule.findings with input as fx.as_file(c)
	count(fs) == 2
	some f in fs
	f.key == "streamingConnectionIdleTimeout"
	contains(f.msg, "uses the default 4h")
}

test_quiet_without_zero_fields if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
