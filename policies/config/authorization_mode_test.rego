package kubelet_audit.config.authorization_mode_test

import data.kubelet_audit.config.authorization_mode as rule
import data.kubelet_audit.config.fixtures_test as fx

test_fires_on_always_allow if {
	fs := rule.findings with input as fx.as_file(fx.config({"authorizationMode": "AlwaysAllow"}))
	count(fs) == 1
	some f in fs
	f.location.line == 11
	contains(f.msg, "every authenticated caller")
}

test_says_anyone_when_anonymous_on if {
	fs := rule.findings with input as fx.as_probe(fx.live({"authorizationMode": "AlwaysAllow", "anonymousAuth": true}))
	some f in fs
	contains(f.msg, "anyone who reaches port 10250")
}

test_quiet_on_webhook if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
