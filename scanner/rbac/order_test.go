package rbac

import (
	"fmt"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubelet-audit/kubelet-audit/scanner/inventory"
)

// TestOutputOrder binds one role from bindings given out of order, with a
// duplicate, and checks that bindings, the role's BoundBy and subjects come
// out sorted and that the first definition of the duplicate wins.
func TestOutputOrder(t *testing.T) {
	inv := &inventory.Inventory{
		ClusterRoles: []inventory.ClusterRole{newClusterRole("proxy", newRule("get", "", "nodes/proxy"))},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{
			newCRB("zeta", "proxy", "User:zed"), newCRB("alpha", "proxy", "User:al", "Group:g"),
			newCRB("mid", "missing", "User:zed"), newCRB("alpha", "proxy", "User:second"),
		},
		RoleBindings: []inventory.RoleBinding{
			newRB("ns-b", "a", kindClusterRole, "proxy", "ServiceAccount:sa"),
			newRB("ns-a", "z", kindClusterRole, "proxy", "ServiceAccount:sa"),
			newRB("ns-a", "b", kindClusterRole, "proxy", "ServiceAccount:ns-b/sa"),
			newRB("ns-a", "z", kindClusterRole, "proxy", "User:dup"),
			newRB("", "alpha", kindClusterRole, "proxy", "User:rb"),
		},
	}
	inv.ClusterRoleBindings[3].Source.Line = 7
	inv.RoleBindings[3].Source.Line = 30
	res, errs := Resolve(inv, Options{})
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, fmt.Sprintf("%d %s", e.Line, e.Message))
	}
	wantErrs := []string{
		`7 duplicate ClusterRoleBinding "alpha" (first defined at bindings.yaml:5): this definition is ignored`,
		`30 duplicate RoleBinding "ns-a/z" (first defined at bindings.yaml:20): this definition is ignored`,
	}
	if !slices.Equal(msgs, wantErrs) {
		t.Errorf("errors = %q, want %q", msgs, wantErrs)
	}
	var got []string
	for _, b := range res.Bindings {
		got = append(got, refKey(b.Ref))
	}
	want := []string{"ClusterRoleBinding alpha", "ClusterRoleBinding mid", "ClusterRoleBinding zeta",
		"RoleBinding alpha", "RoleBinding ns-a/b", "RoleBinding ns-a/z", "RoleBinding ns-b/a"}
	if !slices.Equal(got, want) {
		t.Errorf("bindings = %v, want %v", got, want)
	}
	if s := res.Bindings[0].Subjects; !slices.Equal(s, []string{"User:al", "Group:g"}) {
		t.Errorf("alpha subjects = %v, want the first definition's", s)
	}
	role := findRole(res, kindClusterRole, "proxy")
	got = got[:0]
	for _, b := range role.BoundBy {
		got = append(got, refKey(b))
	}
	if want := slices.Delete(slices.Clone(want), 1, 2); !slices.Equal(got, want) {
		t.Errorf("BoundBy = %v, want %v", got, want)
	}
	got = got[:0]
	for _, s := range res.Subjects {
		got = append(got, s.ID)
	}
	if want := []string{"Group:g", "ServiceAccount:ns-a/sa", "ServiceAccount:ns-b/sa", "User:al", "User:rb", "User:zed"}; !slices.Equal(got, want) {
		t.Errorf("subjects = %v, want %v", got, want)
	}
	if sa := findSubject(res, "ServiceAccount:ns-b/sa"); len(sa.Ineffective) != 2 {
		t.Errorf("ns-b/sa ineffective = %v, want one per RoleBinding", sa.Ineffective)
	}
}

// TestSubjectsOfOneID checks that subjects that render to the same ID (a
// namespace or name with a slash) stay one subject, as IDs identify them.
func TestSubjectsOfOneID(t *testing.T) {
	b := newCRB("both", "proxy")
	b.Subjects = []rbacv1.Subject{
		{Kind: rbacv1.ServiceAccountKind, Namespace: "a/b", Name: "c"},
		{Kind: rbacv1.ServiceAccountKind, Namespace: "a", Name: "b/c"},
	}
	other := newCRB("other", "proxy")
	other.Subjects = b.Subjects[1:]
	inv := &inventory.Inventory{
		ClusterRoles:        []inventory.ClusterRole{newClusterRole("proxy", newRule("get", "", "nodes/proxy"))},
		ClusterRoleBindings: []inventory.ClusterRoleBinding{b, other},
	}
	res := resolve(t, inv, Options{})
	if len(res.Subjects) != 1 || res.Subjects[0].ID != "ServiceAccount:a/b/c" {
		t.Fatalf("subjects = %+v, want one", res.Subjects)
	}
	if g := res.Subjects[0].Grants; len(g) != 2 || g[0].Path.Binding.Name != "both" || g[1].Path.Binding.Name != "other" {
		t.Errorf("grants = %+v, want one per binding", g)
	}
	if s := res.Bindings[0].Subjects; !slices.Equal(s, []string{"ServiceAccount:a/b/c"}) {
		t.Errorf("binding subjects = %v, want the ID once", s)
	}
}
