package kubelet_audit.rbac.aggregation_drift_test

import data.kubelet_audit.rbac.aggregation_drift as rule
import data.kubelet_audit.rbac.fixtures as fx

test_drift if {
	r := fx.role("ClusterRole", "view", {"aggregated": true, "aggregationDrift": [`extra: {APIGroups:[""], Resources:["nodes/proxy"], Verbs:["get"]}`]})
	fs := rule.findings with input as fx.doc([], [r], [])
	count(fs) == 1
	some f in fs
	contains(f.msg, "nodes/proxy")
}

test_negative_no_drift if {
	r := fx.role("ClusterRole", "view", {"aggregated": true, "aggregationDrift": null})
	count(rule.findings) == 0 with input as fx.doc([], [r], [])
}
