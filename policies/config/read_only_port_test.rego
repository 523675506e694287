package kubelet_audit.config.read_only_port_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.read_only_port as rule

test_fires_on_10255 if {
	fs := rule.findings with input as fx.as_file(fx.config({"readOnlyPort": 10255}))
	count(fs) == 1
	some f in fs
	f.location.line == 14
	f.evidence.value == "10255"
	contains(f.msg, "plain HTTP on port 10255")
}

test_fires_on_probed_configz if {
	fs := rule.findings with input as fx.as_probe(fx.live({"readOnlyPort": 10255}))
	count(fs) == 1
}

test_quiet_on_zero if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
