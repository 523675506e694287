package kubelet_audit.rbac.dangling_role_ref_test

import data.kubelet_audit.rbac.dangling_role_ref as rule
import data.kubelet_audit.rbac.fixtures as fx

test_missing_role if {
	b := fx.binding(fx.crb("old"), fx.cr("gone"), false, ["User:alice"])
	fs := rule.findings with input as fx.doc([], [], [b])
	count(fs) == 1
	some f in fs
	f.msg == "ClusterRoleBinding old references ClusterRole gone, which does not exist: whoever creates it later grants its rules to User:alice"
}

test_negative_found_role if {
	b := fx.binding(fx.crb("ok"), fx.cr("view"), true, ["User:alice"])
	count(rule.findings) == 0 with input as fx.doc([], [], [b])
}
