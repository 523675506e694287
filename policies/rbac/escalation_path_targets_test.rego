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
