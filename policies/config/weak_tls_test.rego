package kubelet_audit.config.weak_tls_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.weak_tls as rule

test_fires_on_weak_suites if {
	c := fx.config({"tlsCipherSuites": [
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		"TLS_RSA_WITH_3DES_EDE_CBC_SHA",
		"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
		"TLS_RSA_WITH_AES_256_GCM_SHA384",
	]})
	fs := rule.findings with input as fx.as_file(c)
	count(fs) == 1
	some f in fs
	f.location.line == 20
	f.evidence.value == concat(", ", [
		"TLS_RSA_WITH_3DES_EDE_CBC_SHA (broken cipher)",
		"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (CBC mode)",
		"TLS_RSA_WITH_AES_256_GCM_SHA384 (static RSA key exchange: no forward secrecy)",
	])
}

test_fires_on_old_protocol if {
	every v in ["VersionTLS10", "VersionTLS11"] {
		fs := rule.findings with input as fx.as_file(fx.config({"tlsMinVersion": v}))
		count(fs) == 1
	}
}

test_quiet_on_strong_settings if {
	every v in ["", "VersionTLS12", "VersionTLS13"] {
		fs := rule.findings with input as fx.as_file(fx.config({"tlsMinVersion": v, "tlsCipherSuites": []}))
		count(fs) == 0
	}
	fh := rule.findings with input as fx.as_file(fx.hardened)
	count(fh) == 0
}
