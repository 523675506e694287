package kubelet_audit.rbac.workload_node_proxy_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.workload_node_proxy as rule

_proxy_get := fx.grant("proxy", ["get"], fx.debug_path(["nodes/proxy"], ["get"]))

test_serviceaccount_with_workload if {
	s := fx.extend(fx.sa("tools", "debugger"), {"grants": [_proxy_get], "workloads": [fx.deployment("tools", "node-debug")]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.subject == "ServiceAccount:tools/debugger"
	contains(f.msg, "Deployment tools/node-debug (rbac.yaml:80)")
	f.evidence.workloads == "Deployment tools/node-debug (rbac.yaml:80)"
}

test_serviceaccount_without_workload_in_input if {
	s := fx.extend(fx.sa("tools", "debugger"), {"grants": [_proxy_get], "workloads": null})
	some f in rule.findings with input as fx.subjects_doc([s])
	contains(f.msg, "no workload in the scanned input runs as it")
}

test_negative_user_and_broad_group if {
	u := fx.extend(fx.user("alice"), {"grants": [_proxy_get]})
	g := fx.extend(fx.authenticated, {"grants": [_proxy_get]})
	count(rule.findings) == 0 with input as fx.subjects_doc([u, g])
}

test_negative_serviceaccount_with_metrics_only if {
	m := fx.grant("metrics", ["get"], fx.debug_path(["nodes/metrics"], ["get"]))
	s := fx.extend(fx.sa("mon", "agent"), {"grants": [m], "workloads": [fx.deployment("mon", "agent")]})
	count(rule.findings) == 0 with input as fx.subjects_doc([s])
}

test_negative_system_serviceaccount if {
	s := fx.extend(fx.sa("kube-system", "ctrl"), {"grants": [_proxy_get], "system": true})
	count(rule.findings) == 0 with input as fx.subjects_doc([s])
}
