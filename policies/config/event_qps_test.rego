package kubelet_audit.config.event_qps_test

import data.kubelet_audit.config.event_qps as rule
import data.kubelet_audit.config.fixtures_test as fx

test_fires_on_unlimited if {
	fs := rule.findings with input as fx.as_file(fx.config({"eventRecordQPS": 0}))
	count(fs) == 1
}

test_quiet_on_positive_levels if {
	every qps in [1, 5, 50] {
		fs := rule.findings with input as fx.as_file(fx.config({"eventRecordQPS": qps}))
		count(fs) == 0
	}
}
