package kubelet_audit.kubelet.anonymous_authn_test

import data.kubelet_audit.kubelet.anonymous_authn as rule
import data.kubelet_audit.kubelet.fixtures_test as fx

test_fires_on_403_naming_anonymous if {
	fs := rule.findings with input as fx.doc([fx.kubelet({"anonymous": "enabled", "probes": fx.denied_probes})])
	count(fs) == 1
	some f in fs
	f.evidence.response == fx.forbidden_anon
	f.evidence.authorizer == "denies every anonymous probe"
	contains(f.msg, "GET /healthz -> 403 forbidden")
}

test_fires_when_healthz_allowed if {
	k := fx.kubelet({"anonymous": "enabled", "probes": [fx.anon("T1", "GET", "/healthz", 200, "allowed", "HTTP/1.1 200 OK — ok")]})
	fs := rule.findings with input as fx.doc([k])
	some f in fs
	f.evidence.authorizer == "authorizes some anonymous probes"
}

test_quiet_when_401 if {
	count(rule.findings) == 0 with input as fx.doc([fx.kubelet({})])
}

test_quiet_when_unknown if {
	k := fx.kubelet({"anonymous": "unknown", "state": "timeout", "probes": []})
	count(rule.findings) == 0 with input as fx.doc([k])
}
