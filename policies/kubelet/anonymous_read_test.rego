package kubelet_audit.kubelet.anonymous_read_test

import data.kubelet_audit.kubelet.anonymous_read as rule
import data.kubelet_audit.kubelet.fixtures_test as fx

test_fires_on_anonymous_pods if {
	fs := rule.findings with input as fx.doc([fx.kubelet({"anonymous": "enabled", "probes": fx.open_probes})])
	count(fs) == 1
	some f in fs
	contains(f.msg, "GET /pods -> 200 allowed")
	contains(f.msg, "GET /configz -> 200 allowed")
	contains(f.msg, "listed 3 pod specs")
	not contains(f.msg, "/healthz")
	not contains(f.msg, "/debug/")
}

test_healthz_only_is_not_data if {
	k := fx.kubelet({"anonymous": "enabled", "probes": [
		fx.anon("T1", "GET", "/healthz", 200, "allowed", "HTTP/1.1 200 OK — ok"),
		fx.anon("T2", "GET", "/pods", 403, "forbidden", fx.forbidden_anon),
	]})
	count(rule.findings) == 0 with input as fx.doc([k])
}

test_quiet_when_locked if {
	count(rule.findings) == 0 with input as fx.doc([fx.kubelet({})])
}
