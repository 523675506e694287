package kubelet_audit.rbac.role_node_proxy_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.role_node_proxy as rule

_explicit := fx.role_grant("proxy", ["create", "get"], 1, fx.rule(["nodes/proxy"], ["get", "create"]), false)

test_unbound_role_with_explicit_proxy if {
	r := fx.role("ClusterRole", "node-debugger", {"nodeAccess": [_explicit]})
	fs := rule.findings with input as fx.doc([], [r], [])
	count(fs) == 1
	some f in fs
	f.location == fx.loc(11)
	f.resource == {"kind": "ClusterRole", "namespace": "", "name": "node-debugger"}
	f.key == "rule#1"
	contains(f.msg, "not bound in the input yet")
}

test_bound_role_names_bindings if {
	r := fx.role("ClusterRole", "node-debugger", {"nodeAccess": [_explicit], "boundBy": [fx.crb("debug")]})
	some f in rule.findings with input as fx.doc([], [r], [])
	contains(f.msg, "bound by ClusterRoleBinding debug")
}

test_verb_wildcard_on_named_subresource_counts if {
	g := fx.role_grant("proxy", ["create", "delete", "get", "patch", "update"], 0, fx.rule(["nodes/proxy"], ["*"]), true)
	r := fx.role("ClusterRole", "x", {"nodeAccess": [g]})
	count(rule.findings) == 1 with input as fx.doc([], [r], [])
}

test_negative_builtin_wildcard_aggregated_or_metrics if {
	builtin := fx.role("ClusterRole", "system:kubelet-api-admin", {"nodeAccess": [_explicit], "builtin": true})
	undefined := fx.role("ClusterRole", "y", {"nodeAccess": [_explicit], "defined": false})
	wild := fx.role("ClusterRole", "all", {"nodeAccess": [fx.role_grant("proxy", ["get"], 0, fx.rule(["*"], ["*"]), true)]})
	aggregated := fx.role("ClusterRole", "view", {"nodeAccess": [object.union(_explicit, {"aggregatedFrom": "extra"})]})
	metrics := fx.role("ClusterRole", "mon", {"nodeAccess": [fx.role_grant("metrics", ["get"], 0, fx.rule(["nodes/metrics"], ["get"]), false)]})
	count(rule.findings) == 0 with input as fx.doc([], [builtin, undefined, wild, aggregated, metrics], [])
}
