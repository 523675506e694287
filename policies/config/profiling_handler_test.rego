package kubelet_audit.config.profiling_handler_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.profiling_handler as rule

test_fires_with_debugging_on if {
	fs := rule.findings with input as fx.as_file(fx.config({"enableDebuggingHandlers": true, "enableProfilingHandler": true}))
	count(fs) == 1
}

test_quiet_when_debugging_off if {
	fs := rule.findings with input as fx.as_file(fx.config({"enableProfilingHandler": true}))
	count(fs) == 0
}

test_quiet_when_off if {
	fs := rule.findings with input as fx.as_file(fx.config({"enableDebuggingHandlers": true}))
	count(fs) == 0
}
