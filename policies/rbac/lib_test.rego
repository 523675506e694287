package kubelet_audit.rbac.lib_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.lib

test_exec_grant_needs_proxy_get_or_create if {
	p := fx.debug_path(["nodes/proxy"], ["get"])
	lib.exec_grant(fx.grant("proxy", ["get"], p))
	lib.exec_grant(fx.grant("proxy", ["create", "delete"], p))
	not lib.exec_grant(fx.grant("proxy", ["update", "patch", "delete"], p))
	not lib.exec_grant(fx.grant("stats", ["get"], p))
}

test_granted_skips_subjects_without_grants_and_null_lists if {
	with_grant := fx.extend(fx.user("alice"), {"grants": [fx.grant("stats", ["get"], fx.debug_path(["nodes/stats"], ["get"]))]})
	null_grants := fx.extend(fx.user("bob"), {"grants": null})
	got := lib.granted with input as fx.subjects_doc([with_grant, fx.user("carol"), null_grants])
	[s.id | some s in got] == ["User:alice"]
}

test_loc_text if {
	lib.loc_text({"file": "a.yaml", "line": 3}) == "a.yaml:3"
	lib.loc_text({"file": "a.yaml"}) == "a.yaml"
	lib.loc_text({"uri": "k8s://clusterrole/x"}) == "k8s://clusterrole/x"
}

test_ref_text_and_resource if {
	lib.ref_text(fx.rb("ns1", "b")) == "RoleBinding ns1/b"
	lib.ref_text(fx.crb("b")) == "ClusterRoleBinding b"
	lib.resource(fx.crb("b")) == {"kind": "ClusterRoleBinding", "namespace": "", "name": "b"}
}

test_names_node_subresource if {
	lib.names_node_subresource({"rule": fx.rule(["nodes/proxy"], ["*"])})
	lib.names_node_subresource({"rule": fx.rule(["*/proxy"], ["get"])})
	not lib.names_node_subresource({"rule": fx.rule(["*"], ["*"])})
	not lib.names_node_subresource({"rule": fx.rule(["nodes"], ["get"])})
}

test_path_key_includes_aggregation_source if {
	p := fx.debug_path(["nodes/proxy"], ["get"])
	lib.path_key(p) == "ClusterRole/node-debugger#0"
	lib.path_key(object.union(p, {"aggregatedFrom": fx.cr("extra")})) == "ClusterRole/node-debugger<-extra#0"
}

test_scope_text if {
	lib.scope_text(fx.authenticated) == "every authenticated user and ServiceAccount"
	lib.scope_text(fx.subject("Group:system:serviceaccounts:ci", "Group", "system:serviceaccounts:ci", "namespace-serviceaccounts")) == "every ServiceAccount in namespace ci"
	lib.scope_text(fx.user("alice")) == "User:alice"
}
