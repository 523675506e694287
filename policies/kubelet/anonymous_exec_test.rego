package kubelet_audit.kubelet.anonymous_exec_test

import data.kubelet_audit.kubelet.anonymous_exec as rule
import data.kubelet_audit.kubelet.fixtures_test as fx

test_fires_on_exec_authorized if {
	fs := rule.findings with input as fx.doc([fx.kubelet({"anonymous": "enabled", "probes": fx.open_probes})])
	count(fs) == 1
	some f in fs
	f.resource == {"kind": "Node", "namespace": "", "name": "worker-1"}
	f.location.uri == "k8s://node/worker-1:10250"
	f.subject == "User:system:anonymous"
	contains(f.msg, "POST /run/{ns}/{pod}/{container} -> 404 exec-authorized")
	contains(f.msg, "GET /exec/")
	f.evidence.response == "HTTP/1.1 404 Not Found — pod does not exist"
}

test_fires_on_exec_2xx_and_names_host_port_without_node if {
	k := fx.kubelet({"node": "", "location": {"uri": "kubelet://10.0.0.11:10250"}, "anonymous": "enabled", "probes": [
		fx.anon("T3", "POST", "/run/{ns}/{pod}/{container}", 200, "allowed", "HTTP/1.1 200 OK"),
	]})
	fs := rule.findings with input as fx.doc([k])
	some f in fs
	f.resource.name == "10.0.0.11:10250"
	f.location.uri == "kubelet://10.0.0.11:10250"
}

test_quiet_when_denied_or_locked if {
	count(rule.findings) == 0 with input as fx.doc([fx.kubelet({}), fx.kubelet({"anonymous": "enabled", "probes": fx.denied_probes})])
}

test_quiet_when_debug_handlers_off if {
	k := fx.kubelet({"anonymous": "enabled", "probes": [
		fx.anon("T3", "POST", "/run/{ns}/{pod}/{container}", 405, "debug-disabled", "HTTP/1.1 405 Method Not Allowed — Debug endpoints are disabled."),
	]})
	count(rule.findings) == 0 with input as fx.doc([k])
}

test_ignores_authenticated_exec if {
	k := fx.kubelet({"probes": [fx.probe("T4", "GET", "/exec/{ns}/{pod}/{container}", "token", 404, "exec-authorized", "")]})
	count(rule.findings) == 0 with input as fx.doc([k])
}
