package kubelet_audit.config.iptables_util_chains_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.iptables_util_chains as rule

test_fires_when_false if {
	fs := rule.findings with input as fx.as_file(fx.config({"makeIPTablesUtilChains": false}))
	count(fs) == 1
}

test_quiet_when_true if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
