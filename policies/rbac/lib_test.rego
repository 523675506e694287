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

test_list_keeps_arrays_and_replaces_the_rest if {
	lib.list(["a"]) == ["a"]
	lib.list([]) == []
	lib.list(null) == []
	lib.list({"a": 1}) == []
}

test_nodes_text if {
	lib.nodes_text({"nodes": ["n1", "n2"]}) == "nodes n1, n2"
	lib.nodes_text({"nodes": []}) == "every node"
	lib.nodes_text({"nodes": null}) == "every node"
	lib.nodes_text({}) == "every node"
}

test_describe_and_lists_of_subresources if {
	lib.describe("stats") == "node and pod resource usage (/stats)"
	lib.describe("unknown") == "nodes/unknown"
	lib.describe_list(["spec", "unknown"]) == "machine information (/spec/); nodes/unknown"
	lib.describe_list([]) == ""
	lib.subresources_text(["metrics", "spec"]) == "nodes/metrics,nodes/spec"
	lib.subresources_text([]) == ""
}

test_keys_fall_back_when_the_resolver_left_them_out_or_empty if {
	p := fx.debug_path(["nodes/proxy"], ["get"])
	lib.path_key(object.union(p, {"ruleKey": "ClusterRole/x#4"})) == "ClusterRole/x#4"
	lib.path_key(object.union(p, {"ruleKey": ""})) == "ClusterRole/node-debugger#0"
	lib.grant_key(object.union(p, {"key": "k"})) == "k"
	lib.grant_key(object.union(p, {"key": ""})) == "ClusterRoleBinding debug|ClusterRole/node-debugger#0"
	lib.grant_key(p) == "ClusterRoleBinding debug|ClusterRole/node-debugger#0"
}

test_by_path_groups_in_order if {
	p1 := fx.debug_path(["nodes/proxy", "nodes/stats"], ["get"])
	p2 := fx.path(fx.rb("ns1", "b"), fx.cr("other"), 2, fx.rule(["nodes/log"], ["get"]))
	a := fx.grant("proxy", ["get"], p1)
	b := fx.grant("log", ["get"], p2)
	c := fx.grant("stats", ["get"], p1)
	groups := lib.by_path([a, b, c])
	count(groups) == 2
	[a, c] in groups
	[b] in groups
	lib.by_path([]) == []
}
