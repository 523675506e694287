package kubelet_audit.rbac.broad_node_proxy_test

import data.kubelet_audit.rbac.broad_node_proxy as rule
import data.kubelet_audit.rbac.fixtures as fx

_proxy_get := fx.grant("proxy", ["get"], fx.debug_path(["nodes/proxy"], ["get"]))

test_authenticated_with_proxy_get if {
	s := fx.extend(fx.authenticated, {"grants": [_proxy_get]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.subject == "Group:system:authenticated"
	# the binding ref itself: the engine reads kind, namespace and name
	f.resource == fx.crb("debug")
	f.location == fx.loc(40)
	f.key == "ClusterRole/node-debugger#0"
	f.evidence.verbs == "get"
	contains(f.msg, "every authenticated user")
	contains(f.msg, "ClusterRoleBinding debug -> ClusterRole node-debugger (rule #0 at rbac.yaml:10)")
}

test_anonymous_with_wildcard_create if {
	g := fx.wildcard_grant("proxy", ["create"], fx.debug_path(["*"], ["create"]))
	s := fx.extend(fx.anonymous, {"grants": [g]})
	count(rule.findings) == 1 with input as fx.subjects_doc([s])
}

test_named_nodes_are_named if {
	g := fx.extend(_proxy_get, {"nodes": ["n1", "n2"]})
	s := fx.extend(fx.authenticated, {"grants": [g]})
	some f in rule.findings with input as fx.subjects_doc([s])
	contains(f.msg, "nodes n1, n2")
}

test_negative_named_user if {
	s := fx.extend(fx.user("alice"), {"grants": [_proxy_get]})
	count(rule.findings) == 0 with input as fx.subjects_doc([s])
}

test_negative_broad_group_without_exec_verbs if {
	g := fx.grant("proxy", ["update", "patch"], fx.debug_path(["nodes/proxy"], ["update", "patch"]))
	stats := fx.grant("stats", ["get"], fx.debug_path(["nodes/stats"], ["get"]))
	s := fx.extend(fx.authenticated, {"grants": [g, stats]})
	count(rule.findings) == 0 with input as fx.subjects_doc([s])
}
