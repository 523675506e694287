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
	f.evidence.kinds == "create-pods"
	f.key == "ClusterRole/edit#3"
	contains(f.msg, "running a pod as a ServiceAccount with node access")
	contains(f.msg, "can run a pod as ServiceAccount mon/agent")
}

test_escalations_of_one_rule_are_one_finding if {
	s := fx.extend(fx.user("ci"), {"escalations": [_esc("create-pods"), object.union(_esc("create-token"), {"resource": "serviceaccounts/token"})]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.kinds == "create-pods,create-token"
}

test_negative_subject_that_already_execs_everywhere if {
	g := fx.grant("proxy", ["get"], fx.debug_path(["nodes/proxy"], ["get"]))
	s := fx.extend(fx.user("admin"), {"escalations": [_esc("bind")], "grants": [g]})
	count(rule.findings) == 0 with input as fx.subjects_doc([s])
}

test_subject_with_exec_on_one_node_still_escalates if {
	g := object.union(fx.grant("proxy", ["get"], fx.debug_path(["nodes/proxy"], ["get"])), {"nodes": ["n1"]})
	s := fx.extend(fx.user("ops"), {"escalations": [_esc("bind")], "grants": [g]})
	count(rule.findings) == 1 with input as fx.subjects_doc([s])
}

test_negative_system_subject if {
	s := fx.extend(fx.masters, {"escalations": [_esc("bind")]})
	count(rule.findings) == 0 with input as fx.subjects_doc([s, fx.user("nobody")])
}

test_resolver_grouping_is_used if {
	grouped := {
		"path": _esc("bind").path, "kinds": ["bind", "write-bindings"],
		"permissions": ["bind clusterroles", "create clusterrolebindings"],
		"details": ["can bind cluster-admin"], "targets": [],
	}
	s := fx.extend(fx.user("ci"), {"escalations": [_esc("bind")], "escalationPaths": [grouped]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.kinds == "bind,write-bindings"
	f.evidence.permissions == "bind clusterroles; create clusterrolebindings"
	contains(f.msg, "can bind cluster-admin")
}

test_kinds_text_sorts_descriptions_and_keeps_unknown_kinds if {
	rule._kinds_text(["bind", "write-roles"]) == "binding a role that carries node access; creating or changing a role"
	rule._kinds_text(["create-pods", "escalate"]) == "adding node permissions to a role it can edit (escalate); running a pod as a ServiceAccount with node access"
	rule._kinds_text(["new-kind"]) == "new-kind"
}

test_empty_resolver_grouping_falls_back_to_grouping_here if {
	s := fx.extend(fx.user("ci"), {"escalations": [_esc("bind"), _esc("write-roles")], "escalationPaths": []})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.kinds == "bind,write-roles"
}

# Findings read the resolver's path.ruleKey; paths written without one get
# lib.path_key, grouped here or by the resolver.
_keyed_group(path) := {
	"path": path, "kinds": ["bind"], "permissions": ["bind clusterroles"],
	"details": ["can bind cluster-admin"], "targets": [],
}

_finding_key(s) := f.key if {
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
}

test_resolver_rule_key_is_the_finding_key if {
	p := object.union(_esc("bind").path, {"ruleKey": "from-resolver"})
	s := fx.extend(fx.user("ci"), {"escalations": [_esc("bind")], "escalationPaths": [_keyed_group(p)]})
	_finding_key(s) == "from-resolver"
}

test_grouped_path_without_rule_key_gets_one if {
	s := fx.extend(fx.user("ci"), {"escalations": [_esc("bind")], "escalationPaths": [_keyed_group(_esc("bind").path)]})
	_finding_key(s) == "ClusterRole/edit#3"
}

test_negative_empty_rule_key_is_not_used if {
	p := object.union(_esc("bind").path, {"ruleKey": ""})
	s := fx.extend(fx.user("ci"), {"escalations": [_esc("bind")], "escalationPaths": [_keyed_group(p)]})
	_finding_key(s) == "ClusterRole/edit#3"
}

test_ungrouped_path_with_rule_key_keeps_it if {
	esc := object.union(_esc("bind"), {"path": {"ruleKey": "from-resolver"}})
	_finding_key(fx.extend(fx.user("ci"), {"escalations": [esc]})) == "from-resolver"
}

# The resolver renders each path's targets (targetsText): findings take
# the text as is instead of rendering the list again.
test_resolver_targets_text_is_used if {
	p := object.union(_esc("bind").path, {"ruleKey": "k"})
	g := object.union(_keyed_group(p), {"targets": ["User:a"], "targetsText": "as rendered by the resolver"})
	fs := rule.findings with input as fx.subjects_doc([fx.extend(fx.user("ci"), {"escalations": [_esc("bind")], "escalationPaths": [g]})])
	some f in fs
	f.evidence.targets == "as rendered by the resolver"
}

# Without targetsText the list is rendered here.
test_negative_missing_targets_text_is_rendered if {
	p := object.union(_esc("bind").path, {"ruleKey": "k"})
	g := object.union(_keyed_group(p), {"targets": ["User:a", "User:b"]})
	fs := rule.findings with input as fx.subjects_doc([fx.extend(fx.user("ci"), {"escalations": [_esc("bind")], "escalationPaths": [g]})])
	some f in fs
	f.evidence.targets == "User:a, User:b"
}
