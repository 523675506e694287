package kubelet_audit.rbac.subject_node_proxy_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.subject_node_proxy as rule

_p(verbs) := fx.debug_path(["nodes/proxy"], verbs)

test_user_with_proxy_get if {
	s := fx.extend(fx.user("alice"), {"grants": [fx.grant("proxy", ["get"], _p(["get"]))]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.subject == "User:alice"
	contains(f.msg, "exec, attach and port-forward")
}

test_group_with_write_verbs_only if {
	s := fx.extend(fx.group("sre"), {"grants": [fx.grant("proxy", ["delete", "patch", "update"], _p(["update", "patch", "delete"]))]})
	some f in rule.findings with input as fx.subjects_doc([s])
	contains(f.msg, "PUT/PATCH/DELETE")
	f.evidence.verbs == "delete,patch,update"
}

test_broad_group_with_write_verbs_only if {
	s := fx.extend(fx.authenticated, {"grants": [fx.grant("proxy", ["patch"], _p(["patch"]))]})
	count(rule.findings) == 1 with input as fx.subjects_doc([s])
}

test_negative_exec_reported_by_other_rules if {
	g := fx.grant("proxy", ["get"], _p(["get"]))
	broad := fx.extend(fx.authenticated, {"grants": [g]})
	sa := fx.extend(fx.sa("ns", "x"), {"grants": [g]})
	system := fx.extend(fx.masters, {"grants": [g]})
	count(rule.findings) == 0 with input as fx.subjects_doc([broad, sa, system])
}

test_negative_other_subresource if {
	s := fx.extend(fx.user("alice"), {"grants": [fx.grant("log", ["get"], fx.debug_path(["nodes/log"], ["get"]))]})
	count(rule.findings) == 0 with input as fx.subjects_doc([s])
}
