package kubelet_audit.rbac.escalation_path_test

import data.kubelet_audit.rbac.escalation_path as rule
import data.kubelet_audit.rbac.fixtures as fx

_esc(kind) := {
	"kind": kind, "verbs": ["create"], "resource": "pods", "names": [], "namespace": "mon",
	"targets": ["ServiceAccount:mon/agent"], "detail": "can run a pod as ServiceAccount mon/agent",
	"path": fx.path(fx.rb("mon", "deployer"), fx.cr("edit"), 3, fx.rule(["pods"], ["create"])),
}

test_create_pods_for_node_sa if {
	s := fx.extend(fx.user("ci"), {"escalations": [_esc("create-pods")]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.targets == "ServiceAccount:mon/agent"
	f.key == "create-pods:ClusterRole/edit#3"
	contains(f.msg, "running a pod as a ServiceAccount with node access")
}

test_negative_system_subject if {
	s := fx.extend(fx.masters, {"escalations": [_esc("bind")]})
	count(rule.findings) == 0 with input as fx.subjects_doc([s, fx.user("nobody")])
}
