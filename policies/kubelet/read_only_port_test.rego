package kubelet_audit.kubelet.read_only_port_test

import data.kubelet_audit.kubelet.fixtures_test as fx
import data.kubelet_audit.kubelet.read_only_port as rule

test_fires_when_open if {
	k := fx.kubelet({"readOnly": {
		"port": 10255, "open": true, "state": "checked", "status": 200,
		"evidence": "GET /healthz: HTTP/1.1 200 OK — ok; GET /pods: HTTP/1.1 200 OK — 3 pods (specs not shown)",
	}})
	fs := rule.findings with input as fx.doc([k])
	count(fs) == 1
	some f in fs
	f.evidence.port == "10255"
	contains(f.msg, "port 10255")
}

test_quiet_when_closed_or_skipped if {
	count(rule.findings) == 0 with input as fx.doc([fx.kubelet({}), object.remove(fx.kubelet({}), ["readOnly"])])
}

test_quiet_when_tls_on_the_port if {
	k := fx.kubelet({"readOnly": {"port": 10255, "open": false, "state": "protocol-error", "error": "speaks TLS"}})
	count(rule.findings) == 0 with input as fx.doc([k])
}
