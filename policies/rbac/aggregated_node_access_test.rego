package kubelet_audit.rbac.aggregated_node_access_test

import data.kubelet_audit.rbac.aggregated_node_access as rule
import data.kubelet_audit.rbac.fixtures as fx

_metrics := fx.role_grant("metrics", ["get"], 0, fx.rule(["nodes/metrics"], ["get"]), false)

test_node_access_aggregated_into_view_and_edit if {
	r := fx.role("ClusterRole", "metrics-reader", {"nodeAccess": [_metrics], "aggregatesInto": ["edit", "view"]})
	fs := rule.findings with input as fx.doc([], [r], [])
	count(fs) == 1
	some f in fs
	f.evidence.aggregatedInto == "edit, view"
	contains(f.msg, "nodes/metrics get")
	contains(f.msg, "any of edit, view")
}

test_negative_no_aggregation_or_no_node_access if {
	plain := fx.role("ClusterRole", "a", {"nodeAccess": [_metrics]})
	labelled := fx.role("ClusterRole", "b", {"aggregatesInto": ["view"]})
	aggregate := fx.role("ClusterRole", "view", {"aggregated": true, "nodeAccess": [object.union(_metrics, {"aggregatedFrom": "a"})]})
	count(rule.findings) == 0 with input as fx.doc([], [plain, labelled, aggregate], [])
}
