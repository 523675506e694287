# METADATA
# title: Deliberately broken policy (syntax error at line 12, column 20)
# description: Used by the engine tests to check that Rego errors name file:line:col.
# custom:
#   id: BROKEN-001
#   severity: low
#   remediation: Fix the syntax error.
package custom.broken

findings contains f if {
	some s in input.subjects
	f := {"msg": s.id "resource": {"kind": "X"}}
}
