package kubelet_audit.kubelet.debug_handlers_test

import data.kubelet_audit.kubelet.debug_handlers as rule
import data.kubelet_audit.kubelet.fixtures_test as fx

test_fires_on_pprof_and_flags if {
	fs := rule.findings with input as fx.doc([fx.kubelet({"anonymous": "enabled", "probes": fx.open_probes})])
	count(fs) == 1
	some f in fs
	contains(f.msg, "GET /debug/pprof/ -> 200 allowed (anonymous)")
	contains(f.msg, "GET /debug/flags/v -> 406 method-rejected")
}

test_fires_for_token_pass if {
	k := fx.kubelet({"probes": array.concat(fx.locked_probes, [fx.probe("T8", "GET", "/debug/pprof/", "token", 200, "allowed", "HTTP/1.1 200 OK")])})
	fs := rule.findings with input as fx.doc([k])
	some f in fs
	f.evidence.identities == {"token"}
}

test_quiet_when_disabled_absent_or_denied if {
	k := fx.kubelet({"anonymous": "enabled", "probes": [
		fx.anon("T8", "GET", "/debug/pprof/", 405, "debug-disabled", "HTTP/1.1 405 Method Not Allowed — profiling endpoint is disabled."),
		fx.anon("T8", "GET", "/debug/flags/v", 404, "not-found", "HTTP/1.1 404 Not Found — 404 page not found"),
	]})
	count(rule.findings) == 0 with input as fx.doc([k, fx.kubelet({}), fx.kubelet({"probes": fx.denied_probes})])
}
