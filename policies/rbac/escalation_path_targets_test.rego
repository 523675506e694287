package kubelet_audit.rbac.escalation_path_test

import data.kubelet_audit.rbac.escalation_path as rule
import data.kubelet_audit.rbac.fixtures as fx

_sas(n) := [sprintf("ServiceAccount:ns/sa-%02d", [i]) | some i in numbers.range(1, n)]

test_many_targets_are_capped if {
	s := fx.extend(fx.user("ci"), {"escalations": [object.union(_esc("create-pods"), {"targets": _sas(12)})]})
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
	f.evidence.targets == sprintf("%s and 2 more", [concat(", ", array.slice(_sas(12), 0, 10))])
}

test_ten_targets_are_listed if {
	s := fx.extend(fx.user("ci"), {"escalations": [object.union(_esc("create-pods"), {"targets": _sas(10)})]})
	some f in rule.findings with input as fx.subjects_doc([s])
	f.evidence.targets == concat(", ", _sas(10))
}

test_targets_of_one_rule_are_merged_before_capping if {
	pods := object.union(_esc("create-pods"), {"targets": array.slice(_sas(12), 0, 8)})
	token := object.union(_esc("create-token"), {"resource": "serviceaccounts/token", "targets": array.slice(_sas(12), 4, 12)})
	s := fx.extend(fx.user("ci"), {"escalations": [pods, token]})
	some f in rule.findings with input as fx.subjects_doc([s])
	f.evidence.targets == sprintf("%s and 2 more", [concat(", ", array.slice(_sas(12), 0, 10))])
}

# The resolver shares one target list between holders: a holder in the
# list is flagged (holderInTargets) and must be neither named nor counted.

_me := fx.sa("ns", "sa-03")

_path_with(targets, flag) := object.union(
	{
		"path": _esc("create-pods").path, "kinds": ["create-pods"], "permissions": ["create pods"],
		"details": ["can run a pod"], "targets": targets,
	},
	{"holderInTargets": true | flag},
)

_finding_targets(s) := f.evidence.targets if {
	fs := rule.findings with input as fx.subjects_doc([s])
	count(fs) == 1
	some f in fs
}

_without_me(ts) := [t | some t in ts; t != _me.id]

test_holder_in_list_is_neither_named_nor_counted if {
	s := fx.extend(_me, {"escalations": [_esc("create-pods")], "escalationPaths": [_path_with(_sas(13), true)]})
	_finding_targets(s) == sprintf("%s and 2 more", [concat(", ", array.slice(_without_me(_sas(13)), 0, 10))])
}

test_holder_in_list_of_eleven_leaves_ten_targets if {
	s := fx.extend(_me, {"escalations": [_esc("create-pods")], "escalationPaths": [_path_with(_sas(11), true)]})
	_finding_targets(s) == concat(", ", _without_me(_sas(11)))
}

test_holder_past_the_shown_targets_is_only_not_counted if {
	me := fx.sa("ns", "sa-14")
	s := fx.extend(me, {"escalations": [_esc("create-pods")], "escalationPaths": [_path_with(_sas(15), true)]})
	_finding_targets(s) == sprintf("%s and 4 more", [concat(", ", array.slice(_sas(15), 0, 10))])
}

test_negative_holder_counted_without_flag if {
	# A list that counts the holder as a target (e.g. write-bindings) keeps it.
	s := fx.extend(_me, {"escalations": [_esc("create-pods")], "escalationPaths": [_path_with(_sas(11), false)]})
	_finding_targets(s) == sprintf("%s and 1 more", [concat(", ", array.slice(_sas(11), 0, 10))])
}

test_fallback_grouping_drops_flagged_holder if {
	flagged := object.union(_esc("create-pods"), {"targets": _sas(4), "holderInTargets": true})
	counted := object.union(_esc("create-token"), {"resource": "serviceaccounts/token", "targets": ["ServiceAccount:ns/sa-01"]})
	s := fx.extend(_me, {"escalations": [flagged, counted]})
	_finding_targets(s) == concat(", ", _without_me(_sas(4)))
}

test_negative_fallback_grouping_keeps_holder_counted_by_another if {
	flagged := object.union(_esc("create-pods"), {"targets": _sas(4), "holderInTargets": true})
	counted := object.union(_esc("write-bindings"), {"resource": "rolebindings", "targets": [_me.id]})
	s := fx.extend(_me, {"escalations": [flagged, counted]})
	_finding_targets(s) == concat(", ", _sas(4))
}
