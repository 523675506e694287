package kubelet_audit.rbac.node_log_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.node_log as rule

_log(verbs) := fx.grant("log", verbs, fx.debug_path(["nodes/log"], verbs))

test_serviceaccount_reads_node_logs if {
	s := fx.extend(fx.sa("logging", "collector"), {"grants": [_log(["get"])]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.subresource == "nodes/log"
	contains(f.msg, "/logs/")
}

test_negative_system_or_no_get if {
	sys := fx.extend(fx.masters, {"grants": [_log(["get"])]})
	create_only := fx.extend(fx.user("bob"), {"grants": [_log(["create"])]})
	count(rule.findings) == 0 with input as fx.subjects_doc([sys, create_only])
}
