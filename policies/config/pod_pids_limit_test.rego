package kubelet_audit.config.pod_pids_limit_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.pod_pids_limit as rule

test_fires_when_unlimited if {
	every n in [-1, 0] {
		fs := rule.findings with input as fx.as_file(fx.config({"podPidsLimit": n}))
		count(fs) == 1
	}
}

test_quiet_when_limited if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
