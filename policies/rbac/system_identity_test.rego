package kubelet_audit.rbac.system_identity_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.system_identity as rule

_p := fx.path(fx.crb("cluster-admin"), fx.cr("cluster-admin"), 0, fx.rule(["*"], ["*"]))

test_masters_one_finding_per_binding if {
	gs := [fx.wildcard_grant(sub, ["get"], _p) | some sub in ["proxy", "log", "stats"]]
	s := fx.extend(fx.masters, {"grants": gs})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.subresources == "nodes/log,nodes/proxy,nodes/stats"
}

test_negative_non_system if {
	s := fx.extend(fx.user("alice"), {"grants": [fx.grant("proxy", ["get"], _p)]})
	count(rule.findings) == 0 with input as fx.subjects_doc([s])
}
