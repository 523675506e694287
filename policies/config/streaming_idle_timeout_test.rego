package kubelet_audit.config.streaming_idle_timeout_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.streaming_idle_timeout as rule

test_fires_on_effective_zero if {
	fs := rule.findings with input as fx.as_probe(fx.live({"streamingConnectionIdleTimeoutSeconds": 0}))
	count(fs) == 1
	some f in fs
	f.evidence.value == "0s"
}

test_quiet_on_bounded_timeout if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}

# A file that wrote 0 carries the defaulted 4h (and KA-CONFIG-018), not 0.
test_quiet_on_file_zero_that_was_defaulted if {
	c := fx.config({"streamingConnectionIdleTimeoutSeconds": 14400, "zeroDefaulted": ["streamingConnectionIdleTimeout"]})
	fs := rule.findings with input as fx.as_file(c)
	count(fs) == 0
}
