package kubelet_audit.kubelet.tls_test

import data.kubelet_audit.kubelet.fixtures_test as fx
import data.kubelet_audit.kubelet.tls as rule

test_each_weakness_is_its_own_finding if {
	t := fx.tls({
		"selfSigned": true, "subject": "CN=worker-1@1700000000", "issuer": "CN=worker-1-ca@1700000000",
		"daysLeft": 12, "weakProtocols": ["TLS 1.1"], "weakCiphers": ["TLS_RSA_WITH_3DES_EDE_CBC_SHA"],
		"verified": false, "verifyError": "x509: certificate signed by unknown authority",
	})
	fs := rule.findings with input as fx.doc([fx.kubelet({"tls": t})])
	{f.key | some f in fs} == {"self-signed", "expiring", "weak-protocol", "weak-cipher", "unverified"}
	some f in fs
	f.key == "self-signed"
	contains(f.evidence.certificate, "subject CN=worker-1@1700000000")
	contains(f.evidence.certificate, "12 days left")
}

test_expired if {
	fs := rule.findings with input as fx.doc([fx.kubelet({"tls": fx.tls({"daysLeft": -3})})])
	{f.key | some f in fs} == {"expired"}
	some f in fs
	contains(f.msg, "expired 3 days ago")
}

test_quiet_for_good_tls_unverified_without_ca_file if {
	# No --ca-file: verified false but no verifyError, which is not a finding.
	t := fx.tls({"verified": false})
	count(rule.findings) == 0 with input as fx.doc([fx.kubelet({"tls": t}), fx.kubelet({"tls": fx.tls({"daysLeft": 30})})])
}

test_quiet_without_tls_facts if {
	count(rule.findings) == 0 with input as fx.doc([object.remove(fx.kubelet({"state": "unreachable"}), ["tls"])])
}
