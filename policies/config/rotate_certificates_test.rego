package kubelet_audit.config.rotate_certificates_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.rotate_certificates as rule

test_fires_on_default_false if {
	fs := rule.findings with input as fx.as_file(fx.config({"rotateCertificates": false, "set": []}))
	some f in fs
	contains(f.msg, "not set; the kubelet's file default is false")
}

test_quiet_when_on if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
