package kubelet_audit.config.server_cert_rotation_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.server_cert_rotation as rule

test_fires_when_gate_off if {
	c := fx.config({"featureGates": {"RotateKubeletServerCertificate": false}, "set": ["featureGates.RotateKubeletServerCertificate"]})
	fs := rule.findings with input as fx.as_file(c)
	count(fs) == 1
	some f in fs
	f.key == "featureGates.RotateKubeletServerCertificate"
}

test_fires_without_bootstrap if {
	fs := rule.findings with input as fx.as_file(fx.config({"serverTLSBootstrap": false}))
	count(fs) == 1
	some f in fs
	f.key == "serverTLSBootstrap"
}

test_quiet_with_bootstrap_and_default_gate if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
	fg := rule.findings with input as fx.as_file(fx.config({"featureGates": {"RotateKubeletServerCertificate": true}}))
	count(fg) == 0
}
