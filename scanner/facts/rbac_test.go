package facts

import (
	"reflect"
	"testing"
)

func TestGroupEscalations(t *testing.T) {
	shared := []string{"ServiceAccount:a/x", "ServiceAccount:b/y"}
	p1 := Path{Key: "ClusterRoleBinding ci|ClusterRole/ci#0"}
	p2 := Path{Key: "ClusterRoleBinding ci|ClusterRole/ci#1"}
	es := []Escalation{
		{Kind: EscalationBindings, Verbs: []string{"create"}, Resource: "rolebindings", Targets: shared, Detail: "d2", Path: p1},
		{Kind: EscalationBind, Verbs: []string{"bind"}, Resource: "clusterroles", Detail: "d1", Path: p2},
		{Kind: EscalationPods, Verbs: []string{"create"}, Resource: "pods", Targets: []string{"ServiceAccount:a/x", "ServiceAccount:c/z"}, Detail: "d3", Path: p1},
	}
	got := GroupEscalations(es)
	want := []EscalationPath{
		{Path: p1, Kinds: []string{EscalationPods, EscalationBindings}, Permissions: []string{"create pods", "create rolebindings"},
			Details: []string{"d2", "d3"}, Targets: []string{"ServiceAccount:a/x", "ServiceAccount:b/y", "ServiceAccount:c/z"}},
		{Path: p2, Kinds: []string{EscalationBind}, Permissions: []string{"bind clusterroles"}, Details: []string{"d1"}, Targets: []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GroupEscalations =\n%+v\nwant\n%+v", got, want)
	}
	if !reflect.DeepEqual(shared, []string{"ServiceAccount:a/x", "ServiceAccount:b/y"}) {
		t.Fatalf("shared target list was modified: %v", shared)
	}
	if g := GroupEscalations(nil); g == nil || len(g) != 0 {
		t.Fatalf("GroupEscalations(nil) = %#v, want empty non-nil", g)
	}
}
