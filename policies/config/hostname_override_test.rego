package kubelet_audit.config.hostname_override_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.hostname_override as rule

test_fires_on_file_and_says_it_is_ignored if {
	fs := rule.findings with input as fx.as_file(fx.config({"hostnameOverride": "node-a"}))
	count(fs) == 1
	some f in fs
	contains(f.msg, "has no such field")
	f.evidence.value == "\"node-a\""
}

test_fires_on_flags if {
	fs := rule.findings with input as fx.as_file(fx.config({"origin": "flags", "hostnameOverride": "node-a"}))
	some f in fs
	contains(f.msg, "remove --hostname-override")
}

test_quiet_without_override if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
