package kubelet_audit.kubelet.always_allow_test

import data.kubelet_audit.kubelet.always_allow as rule
import data.kubelet_audit.kubelet.fixtures_test as fx

low_priv(outcome_pods, status) := fx.kubelet({
	"authPass": {"identity": "token", "lowPrivilege": true},
	"probes": array.concat(fx.locked_probes, [
		fx.probe("T1", "GET", "/healthz", "token", 200, "allowed", "HTTP/1.1 200 OK — ok"),
		fx.probe("T2", "GET", "/pods", "token", status, outcome_pods, "HTTP/1.1 200 OK — body 670 bytes (not shown)"),
	]),
})

test_fires_when_low_privilege_token_reads_pods if {
	fs := rule.findings with input as fx.doc([low_priv("allowed", 200)])
	count(fs) == 1
	some f in fs
	f.evidence.identity == "token (low-privilege: holds no node RBAC)"
	f.evidence.anonymous == "disabled"
	contains(f.msg, "GET /pods -> 200 allowed")
	not contains(f.msg, "/healthz")
}

test_quiet_when_webhook_denies if {
	count(rule.findings) == 0 with input as fx.doc([low_priv("forbidden", 403)])
}

test_quiet_for_privileged_identity if {
	k := object.union(low_priv("allowed", 200), {"authPass": {"identity": "token", "lowPrivilege": false}})
	count(rule.findings) == 0 with input as fx.doc([k])
}

test_healthz_alone_is_not_always_allow if {
	k := fx.kubelet({"authPass": {"identity": "token", "lowPrivilege": true}, "probes": [
		fx.probe("T1", "GET", "/healthz", "token", 200, "allowed", "HTTP/1.1 200 OK — ok"),
	]})
	count(rule.findings) == 0 with input as fx.doc([k])
}
