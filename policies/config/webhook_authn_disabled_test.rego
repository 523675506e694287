package kubelet_audit.config.webhook_authn_disabled_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.webhook_authn_disabled as rule

test_fires_when_disabled if {
	fs := rule.findings with input as fx.as_probe(fx.live({"webhookAuthn": false}))
	count(fs) == 1
}

test_quiet_when_enabled if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
