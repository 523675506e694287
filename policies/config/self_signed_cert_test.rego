package kubelet_audit.config.self_signed_cert_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.self_signed_cert as rule

test_fires_without_cert_or_bootstrap if {
	fs := rule.findings with input as fx.as_file(fx.config({"serverTLSBootstrap": false}))
	count(fs) == 1
}

test_fires_on_configz_generated_pair if {
	c := fx.live({
		"serverTLSBootstrap": false,
		"tlsCertFile": "/var/lib/kubelet/pki/kubelet.crt",
		"tlsPrivateKeyFile": "/var/lib/kubelet/pki/kubelet.key",
	})
	fs := rule.findings with input as fx.as_probe(c)
	count(fs) == 1
}

test_quiet_with_bootstrap if {
	fs := rule.findings with input as fx.as_file(fx.hardened)
	count(fs) == 0
}

test_quiet_with_provisioned_cert if {
	c := fx.config({"serverTLSBootstrap": false, "tlsCertFile": "/etc/kubelet/tls.crt", "tlsPrivateKeyFile": "/etc/kubelet/tls.key"})
	fs := rule.findings with input as fx.as_file(c)
	count(fs) == 0
	fz := rule.findings with input as fx.as_probe(object.union(c, {"origin": "configz"}))
	count(fz) == 0
}
