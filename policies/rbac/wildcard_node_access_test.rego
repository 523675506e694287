package kubelet_audit.rbac.wildcard_node_access_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.wildcard_node_access as rule

_star := fx.rule(["*"], ["*"])

test_star_role if {
	access := [fx.role_grant(sub, ["get"], 2, _star, true) | some sub in ["proxy", "log", "stats"]]
	r := fx.role("ClusterRole", "argocd-server", {"nodeAccess": access})
	fs := rule.findings with input as fx.doc([], [r], [])
	count(fs) == 1
	some f in fs
	f.location == fx.loc(12)
	f.evidence.subresources == "nodes/log,nodes/proxy,nodes/stats"
}

test_negative_explicit_or_mixed if {
	explicit := fx.role("ClusterRole", "a", {"nodeAccess": [fx.role_grant("proxy", ["get"], 0, fx.rule(["nodes/proxy"], ["*"]), true)]})
	mixed := fx.role("ClusterRole", "b", {"nodeAccess": [
		fx.role_grant("proxy", ["get"], 0, _star, true),
		fx.role_grant("metrics", ["get"], 1, fx.rule(["nodes/metrics"], ["get"]), false),
	]})
	builtin := fx.role("ClusterRole", "cluster-admin", {"builtin": true, "nodeAccess": [fx.role_grant("proxy", ["get"], 0, _star, true)]})
	none := fx.role("ClusterRole", "c", {})
	patch_only := fx.role("ClusterRole", "d", {"nodeAccess": [fx.role_grant("proxy", ["patch"], 0, fx.rule(["*"], ["patch"]), true)]})
	count(rule.findings) == 0 with input as fx.doc([], [explicit, mixed, builtin, none, patch_only], [])
}
