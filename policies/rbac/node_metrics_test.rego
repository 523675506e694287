package kubelet_audit.rbac.node_metrics_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.node_metrics as rule

_p := fx.debug_path(["nodes/metrics", "nodes/healthz"], ["get"])

test_monitoring_agent_metrics if {
	s := fx.extend(fx.sa("monitoring", "prometheus"), {"grants": [fx.grant("metrics", ["get"], _p), fx.grant("healthz", ["get"], _p)]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.subresources == "nodes/healthz,nodes/metrics"
	f.subject == "ServiceAccount:monitoring/prometheus"
}

test_negative_broad_system_or_stats if {
	broad := fx.extend(fx.authenticated, {"grants": [fx.grant("metrics", ["get"], _p)]})
	sys := fx.extend(fx.masters, {"grants": [fx.grant("metrics", ["get"], _p)]})
	stats := fx.extend(fx.user("alice"), {"grants": [fx.grant("stats", ["get"], _p)]})
	count(rule.findings) == 0 with input as fx.subjects_doc([broad, sys, stats])
}
