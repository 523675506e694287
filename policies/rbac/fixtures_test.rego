# Builders of facts documents for the RBAC rule tests (test-only package).
package kubelet_audit.rbac.fixtures

loc(line) := {"file": "rbac.yaml", "line": line}

crb(name) := {"kind": "ClusterRoleBinding", "name": name, "location": loc(40)}

rb(ns, name) := {"kind": "RoleBinding", "namespace": ns, "name": name, "location": loc(60)}

cr(name) := {"kind": "ClusterRole", "name": name, "location": loc(1)}

# rule renders a role rule in the resolver's compact form.
rule(resources, verbs) := sprintf(`{APIGroups:[""], Resources:[%s], Verbs:[%s]}`, [_quoted(resources), _quoted(verbs)])

_quoted(xs) := concat(", ", [sprintf("%q", [x]) | some x in xs])

path(binding, role, idx, rule_text) := {
	"binding": binding,
	"role": role,
	"ruleIndex": idx,
	"rule": rule_text,
	"ruleLocation": loc(10 + idx),
	"text": sprintf("%s %s -> %s %s (rule #%d at rbac.yaml:%d)", [binding.kind, binding.name, role.kind, role.name, idx, 10 + idx]),
}

# debug_path: ClusterRoleBinding debug -> ClusterRole node-debugger rule #0.
debug_path(resources, verbs) := path(crb("debug"), cr("node-debugger"), 0, rule(resources, verbs))

grant(sub, verbs, p) := {"subresource": sub, "verbs": verbs, "nodes": [], "wildcard": false, "path": p}

wildcard_grant(sub, verbs, p) := object.union(grant(sub, verbs, p), {"wildcard": true})

subject(id, kind, name, scope) := {
	"id": id, "kind": kind, "name": name, "scope": scope,
	"broad": scope in {"anonymous", "unauthenticated", "authenticated", "all-serviceaccounts", "namespace-serviceaccounts"},
	"system": false, "workloads": [], "grants": [], "ineffective": [], "escalations": [],
}

user(name) := subject(sprintf("User:%s", [name]), "User", name, "user")

group(name) := subject(sprintf("Group:%s", [name]), "Group", name, "group")

sa(ns, name) := object.union(subject(sprintf("ServiceAccount:%s/%s", [ns, name]), "ServiceAccount", name, "serviceaccount"), {"namespace": ns})

anonymous := subject("User:system:anonymous", "User", "system:anonymous", "anonymous")

authenticated := subject("Group:system:authenticated", "Group", "system:authenticated", "authenticated")

masters := object.union(subject("Group:system:masters", "Group", "system:masters", "group"), {"system": true})

deployment(ns, name) := {"kind": "Deployment", "namespace": ns, "name": name, "location": loc(80), "automountToken": true}

extend(s, fields) := object.union(s, fields)

role(kind, name, fields) := object.union(
	{
		"kind": kind, "name": name, "location": loc(1), "defined": true, "builtin": false,
		"boundBy": [], "aggregated": false, "aggregatesFrom": [], "aggregatesInto": [],
		"nodeAccess": [], "ineffective": [], "aggregationDrift": [],
	},
	fields,
)

role_grant(sub, verbs, idx, rule_text, wildcard) := {
	"subresource": sub, "verbs": verbs, "nodes": [], "wildcard": wildcard,
	"ruleIndex": idx, "rule": rule_text, "ruleLocation": loc(10 + idx),
}

binding(ref, role_ref, found, subjects) := object.union(ref, {"roleRef": role_ref, "roleFound": found, "builtin": false, "subjects": subjects})

doc(subjects, roles, bindings) := {
	"schemaVersion": "kubelet-audit/facts/v1", "mode": "manifests",
	"subjects": subjects, "roles": roles, "bindings": bindings,
	"kubelets": [], "kubeletConfigs": [], "verifications": [],
}

subjects_doc(subjects) := doc(subjects, [], [])
