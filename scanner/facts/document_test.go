package facts

import (
	"reflect"
	"testing"
)

func TestPolicyView(t *testing.T) {
	path := &Path{Text: "ClusterRoleBinding \"b\" -> ClusterRole n rule #1"}
	// One array for every role's BoundBy, as the resolver carves them.
	slab := []Ref{{Kind: "ClusterRoleBinding", Name: "a"}, {Kind: "ClusterRoleBinding", Name: "b"}, {Kind: "RoleBinding", Namespace: "x", Name: "c"}}
	d := New("manifests")
	d.Subjects = []Subject{
		{ID: "User:none"},
		{ID: "User:grant", Grants: []Grant{{Subresource: "proxy", Verbs: []string{"get"}, Path: path}}},
		{ID: "User:ineffective", Ineffective: []Ineffective{{Reason: IneffectiveRoleBinding, Path: path}}},
		{ID: "User:escalation", Escalations: []Escalation{{Kind: EscalationBind, Path: path}}},
	}
	d.Roles = []Role{
		{Ref: Ref{Kind: "ClusterRole", Name: "plain"}, BoundBy: slab[0:1:1]},
		{Ref: Ref{Kind: "ClusterRole", Name: "node"}, BoundBy: slab[1:3:3], NodeAccess: []RoleGrant{{Subresource: "proxy"}}},
		{Ref: Ref{Kind: "ClusterRole", Name: "lookalike"}, Ineffective: []Ineffective{{Reason: "nodes-star"}}},
		{Ref: Ref{Kind: "ClusterRole", Name: "source"}, AggregatesInto: []string{"view"}},
		{Ref: Ref{Kind: "ClusterRole", Name: "drift"}, AggregationDrift: []string{"get pods"}},
	}
	d.Bindings = []Binding{
		{Ref: Ref{Kind: "ClusterRoleBinding", Name: "ok"}, RoleFound: true},
		{Ref: Ref{Kind: "ClusterRoleBinding", Name: "dangling"}},
		{Ref: Ref{Kind: "RoleBinding", Namespace: "x", Name: "nodes"}, RoleFound: true, Ineffective: []Ineffective{{Reason: IneffectiveRoleBinding}}},
	}
	v := d.PolicyView()

	ids := func(n int, at func(int) string) []string {
		out := []string{}
		for i := range n {
			out = append(out, at(i))
		}
		return out
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"subjects", ids(len(v.Subjects), func(i int) string { return v.Subjects[i].ID }), []string{"User:grant", "User:ineffective", "User:escalation"}},
		{"roles", ids(len(v.Roles), func(i int) string { return v.Roles[i].Name }), []string{"node", "lookalike", "source", "drift"}},
		{"bindings", ids(len(v.Bindings), func(i int) string { return v.Bindings[i].Name }), []string{"dangling", "nodes"}},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("view %s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if len(d.Subjects) != 4 || len(d.Roles) != 5 || len(d.Bindings) != 3 {
		t.Fatalf("PolicyView changed the document: %d subjects, %d roles, %d bindings", len(d.Subjects), len(d.Roles), len(d.Bindings))
	}
	// A kept role's BoundBy equals the original but is its own copy: the
	// view must not keep the resolver's array of all roles alive.
	got := v.Roles[0].BoundBy
	if !reflect.DeepEqual(got, slab[1:3]) {
		t.Fatalf("view BoundBy = %v, want %v", got, slab[1:3])
	}
	if &got[0] == &slab[1] {
		t.Error("view BoundBy shares the resolver's array")
	}
	if v.Roles[1].BoundBy != nil {
		t.Errorf("nil BoundBy became %#v (JSON null must stay null)", v.Roles[1].BoundBy)
	}
}
