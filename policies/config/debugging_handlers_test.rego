package kubelet_audit.config.debugging_handlers_test

import data.kubelet_audit.config.debugging_handlers as rule
import data.kubelet_audit.config.fixtures_test as fx

test_fires_on_default if {
	fs := rule.findings with input as fx.as_file(fx.config({"enableDebuggingHandlers": true, "set": [], "fieldLines": {}}))
	some f in fs
	startswith(f.msg, "enableDebuggingHandlers is not set; the kubelet's file default is true")
	f.location.line == 1
}

test_quiet_when_off if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
