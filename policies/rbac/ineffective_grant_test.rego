package kubelet_audit.rbac.ineffective_grant_test

import data.kubelet_audit.rbac.fixtures as fx
import data.kubelet_audit.rbac.ineffective_grant as rule

_ineff(reason, resource, verbs, p) := {"reason": reason, "resource": resource, "verbs": verbs, "detail": "grants nothing", "path": p}

test_look_alike_in_role if {
	p := fx.debug_path(["nodes/logs"], ["get"])
	r := fx.role("ClusterRole", "node-debugger", {"ineffective": [_ineff("not-a-subresource", "nodes/logs", ["get"], p)]})
	fs := rule.findings with input as fx.doc([], [r], [])
	count(fs) == 1
	some f in fs
	f.evidence.reasons == "not-a-subresource"
	f.location == fx.loc(10)
	f.key == "rule#0"
	contains(f.msg, "rule #1 at rbac.yaml:10")
}

test_look_alikes_of_one_rule_are_one_finding if {
	p := fx.debug_path(["nodes/proxy", "nodes/metrics"], ["list", "watch"])
	r := fx.role("ClusterRole", "agent", {"ineffective": [
		_ineff("verb-never-checked", "nodes/proxy", ["list", "watch"], p),
		_ineff("verb-never-checked", "nodes/metrics", ["list", "watch"], p),
	]})
	fs := rule.findings with input as fx.doc([], [r], [])
	count(fs) == 1
	some f in fs
	f.evidence.resources == "nodes/metrics,nodes/proxy"
}

_rb_binding(subjects) := object.union(fx.rb("team", "read-nodes"), {
	"roleRef": fx.cr("node-reader"), "roleFound": true, "builtin": false, "subjects": subjects,
	"ineffective": [_ineff("rolebinding-cannot-grant-nodes", "nodes/proxy", ["get"], _rb_path)],
})

_rb_path := fx.path(fx.rb("team", "read-nodes"), fx.cr("node-reader"), 0, fx.rule(["nodes/proxy"], ["get"]))

test_rolebinding_reported_once_for_many_subjects if {
	fs := rule.findings with input as fx.doc([], [], [_rb_binding(["User:a", "User:b", "User:c"])])
	count(fs) == 1
	some f in fs
	f.resource == {"kind": "RoleBinding", "namespace": "team", "name": "read-nodes"}
	not "subject" in object.keys(f)
	f.evidence.reason == "rolebinding-cannot-grant-nodes"
}

# A RoleBinding whose subjects all failed to match anyone hands nothing to
# anyone: no finding (the bad subjects are scan errors).
test_negative_rolebinding_without_subjects if {
	count(rule.findings) == 0 with input as fx.doc([], [], [_rb_binding([])])
}

# Subjects' copies of the items are not read: the binding is the source.
test_negative_rolebinding_items_only_on_subjects if {
	i := _ineff("rolebinding-cannot-grant-nodes", "nodes/proxy", ["get"], _rb_path)
	subjects := [fx.extend(fx.user(n), {"ineffective": [i]}) | some n in ["a", "b"]]
	count(rule.findings) == 0 with input as fx.subjects_doc(subjects)
}

test_negative_wildcard_list_watch_and_missing_role if {
	p := fx.debug_path(["*"], ["list", "watch"])
	r := fx.role("ClusterRole", "system:kube-controller-manager", {"ineffective": [_ineff("verb-never-checked", "*", ["list", "watch"], p)]})
	missing := fx.extend(fx.user("a"), {"ineffective": [_ineff("missing-role", "", [], p)]})
	count(rule.findings) == 0 with input as fx.doc([missing], [r], [])
}

test_list_on_named_subresource_is_reported if {
	p := fx.debug_path(["nodes/proxy"], ["list"])
	r := fx.role("ClusterRole", "x", {"ineffective": [_ineff("verb-never-checked", "nodes/proxy", ["list"], p)]})
	count(rule.findings) == 1 with input as fx.doc([], [r], [])
}
