package kubelet_audit.config.anonymous_auth_test

import data.kubelet_audit.config.anonymous_auth as rule
import data.kubelet_audit.config.fixtures_test as fx

test_fires_when_enabled_in_file if {
	fs := rule.findings with input as fx.as_file(fx.config({"anonymousAuth": true}))
	count(fs) == 1
	some f in fs
	f.location.line == 5
	startswith(f.msg, "authentication.anonymous.enabled is true (hardened.yaml)")
	contains(f.msg, "authorization mode Webhook")
}

test_names_always_allow if {
	fs := rule.findings with input as fx.as_file(fx.config({"anonymousAuth": true, "authorizationMode": "AlwaysAllow"}))
	some f in fs
	contains(f.msg, "AlwaysAllow (everything)")
}

test_fires_on_probed_configz if {
	fs := rule.findings with input as fx.as_probe(fx.live({"anonymousAuth": true}))
	some f in fs
	f.location.uri == "k8s://node/n1/configz"
	f.resource.name == "n1"
}

test_quiet_when_disabled if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
