package kubelet_audit.config.client_ca_test

import data.kubelet_audit.config.client_ca as rule
import data.kubelet_audit.config.fixtures_test as fx

test_fires_without_client_ca if {
	c := fx.config({"clientCAFile": "", "set": []})
	fs := rule.findings with input as fx.as_file(c)
	count(fs) == 1
	some f in fs
	startswith(f.msg, "authentication.x509.clientCAFile is not set; the kubelet's file default is empty")
	f.evidence.defaulted == "true"
}

test_quiet_with_client_ca if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}
