package kubelet_audit.kubelet.client_cert_auth_test

import data.kubelet_audit.kubelet.client_cert_auth as rule
import data.kubelet_audit.kubelet.fixtures_test as fx

test_fires_without_certificate_request if {
	fs := rule.findings with input as fx.doc([fx.kubelet({"tls": fx.tls({"clientCertRequested": false, "acceptableCAs": []})})])
	count(fs) == 1
	some f in fs
	f.key == "no-client-ca"
	contains(f.msg, "does not request client certificates")
}

test_quiet_when_requested_or_unchecked if {
	count(rule.findings) == 0 with input as fx.doc([fx.kubelet({}), object.remove(fx.kubelet({"state": "timeout"}), ["tls"])])
}
