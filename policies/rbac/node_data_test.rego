package kubelet_audit.rbac.node_data_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.node_data as rule

_p := fx.debug_path(["nodes/stats", "nodes/pods", "nodes/metrics"], ["get"])

test_stats_and_pods_grouped_per_rule if {
	gs := [fx.grant("stats", ["get"], _p), fx.grant("pods", ["get"], _p), fx.grant("metrics", ["get"], _p)]
	s := fx.extend(fx.sa("mon", "agent"), {"grants": gs})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.subresources == "nodes/pods,nodes/stats"
	contains(f.msg, "env values")
}

test_two_bindings_of_one_role_are_two_findings if {
	p2 := fx.path(fx.crb("other"), fx.cr("node-debugger"), 0, _p.rule)
	s := fx.extend(fx.user("alice"), {"grants": [fx.grant("stats", ["get"], _p), fx.grant("stats", ["get"], p2)]})
	count(rule.findings) == 2 with input as fx.subjects_doc([s])
}

test_broad_group_reading_metrics if {
	s := fx.extend(fx.authenticated, {"grants": [fx.grant("metrics", ["get"], _p)]})
	some f in rule.findings with input as fx.subjects_doc([s])
	f.evidence.subresources == "nodes/metrics"
}

test_checkpoint_for_named_user if {
	p := fx.debug_path(["nodes/checkpoint"], ["create"])
	s := fx.extend(fx.user("alice"), {"grants": [fx.grant("checkpoint", ["create"], p)]})
	count(rule.findings) == 1 with input as fx.subjects_doc([s])
}

test_negative_metrics_for_named_subject_and_system if {
	mon := fx.extend(fx.sa("mon", "agent"), {"grants": [fx.grant("metrics", ["get"], _p)]})
	sys := fx.extend(fx.masters, {"grants": [fx.grant("stats", ["get"], _p)]})
	count(rule.findings) == 0 with input as fx.subjects_doc([mon, sys])
}
