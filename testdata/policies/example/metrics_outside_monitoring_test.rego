package custom.metrics_outside_monitoring_test

import data.custom.metrics_outside_monitoring as rule

_grant := {
	"subresource": "metrics", "verbs": ["get"], "nodes": [], "wildcard": false,
	"path": {
		"binding": {"kind": "ClusterRoleBinding", "name": "metrics", "location": {"file": "rbac.yaml", "line": 9}},
		"role": {"kind": "ClusterRole", "name": "metrics-reader", "location": {"file": "rbac.yaml", "line": 1}},
		"ruleIndex": 0, "rule": "", "ruleLocation": {"file": "rbac.yaml", "line": 4},
		"text": "ClusterRoleBinding metrics -> ClusterRole metrics-reader (rule #0 at rbac.yaml:4)",
	},
}

_sa(ns) := {"id": sprintf("ServiceAccount:%s/agent", [ns]), "kind": "ServiceAccount", "name": "agent", "namespace": ns, "system": false, "grants": [_grant]}

test_agent_outside_monitoring if {
	fs := rule.findings with input as {"subjects": [_sa("default")]}
	count(fs) == 1
	some f in fs
	f.subject == "ServiceAccount:default/agent"
	f.location.line == 9
}

test_agent_in_monitoring if {
	count(rule.findings) == 0 with input as {"subjects": [_sa("monitoring")]}
}
