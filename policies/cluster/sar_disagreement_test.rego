package kubelet_audit.cluster.sar_disagreement_test

import data.kubelet_audit.cluster.sar_disagreement as rule

verification(overrides) := object.union({
	"subject": "ServiceAccount:monitoring/agent",
	"subresource": "proxy",
	"verb": "get",
	"resolver": false,
	"apiServer": false,
}, overrides)

doc(vs) := {"schemaVersion": "kubelet-audit/facts/v1", "mode": "cluster", "verifications": vs}

test_api_server_allows_what_rbac_does_not if {
	fs := rule.findings with input as doc([verification({"apiServer": true, "reason": "webhook allowed"})])
	count(fs) == 1
	some f in fs
	startswith(f.msg, "the API server allows ServiceAccount:monitoring/agent to get nodes/proxy but no RBAC binding grants it")
	contains(f.msg, "(API server reason: webhook allowed)")
	f.resource == {"kind": "ServiceAccount", "namespace": "monitoring", "name": "agent"}
	f.location.uri == "k8s://serviceaccount/monitoring/agent"
	f.subject == "ServiceAccount:monitoring/agent"
	f.evidence == {"subresource": "nodes/proxy", "verb": "get", "rbac": "denied", "apiServer": "allowed", "reason": "webhook allowed"}
	f.key == "nodes/proxy:get"
}

test_api_server_denies_what_rbac_grants if {
	fs := rule.findings with input as doc([verification({"subject": "Group:system:authenticated", "subresource": "stats", "resolver": true})])
	count(fs) == 1
	some f in fs
	startswith(f.msg, "RBAC grants Group:system:authenticated get nodes/stats but the API server denies it")
	not contains(f.msg, "reason")
	f.resource == {"kind": "Group", "namespace": "", "name": "system:authenticated"}
	f.location.uri == "k8s://group/system:authenticated"
	f.evidence.rbac == "allowed"
	f.evidence.apiServer == "denied"
}

test_user_subject if {
	fs := rule.findings with input as doc([verification({"subject": "User:alice", "apiServer": true})])
	some f in fs
	f.resource == {"kind": "User", "namespace": "", "name": "alice"}
}

test_quiet_when_they_agree if {
	fs := rule.findings with input as doc([
		verification({"resolver": true, "apiServer": true}),
		verification({"subresource": "log"}),
	])
	count(fs) == 0
}

test_quiet_when_the_review_failed if {
	fs := rule.findings with input as doc([verification({"apiServer": false, "resolver": true, "error": "subjectaccessreview forbidden"})])
	count(fs) == 0
}

test_quiet_without_verifications if {
	count(rule.findings) == 0 with input as doc([])
}

test_one_finding_per_check if {
	fs := rule.findings with input as doc([
		verification({"apiServer": true}),
		verification({"apiServer": true, "subresource": "log"}),
		verification({"apiServer": true, "subject": "User:bob"}),
	])
	count(fs) == 3
}
