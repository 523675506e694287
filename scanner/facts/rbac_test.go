package facts

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestGroupEscalations(t *testing.T) {
	shared := []string{"ServiceAccount:a/x", "ServiceAccount:b/y"}
	p1 := &Path{Key: "ClusterRoleBinding ci|ClusterRole/ci#0"}
	p2 := &Path{Key: "ClusterRoleBinding ci|ClusterRole/ci#1"}
	es := []Escalation{
		{Kind: EscalationBindings, Verbs: []string{"create"}, Resource: "rolebindings", Targets: shared, Detail: "d2", Path: p1},
		{Kind: EscalationBind, Verbs: []string{"bind"}, Resource: "clusterroles", Detail: "d1", Path: p2},
		{Kind: EscalationPods, Verbs: []string{"create"}, Resource: "pods", Targets: []string{"ServiceAccount:a/x", "ServiceAccount:c/z"}, Detail: "d3", Path: p1},
	}
	got := GroupEscalations("User:ci", es)
	want := []EscalationPath{
		{Path: p1, Kinds: []string{EscalationPods, EscalationBindings}, Permissions: []string{"create pods", "create rolebindings"},
			Details: []string{"d2", "d3"}, Targets: []string{"ServiceAccount:a/x", "ServiceAccount:b/y", "ServiceAccount:c/z"},
			TargetsText: "ServiceAccount:a/x, ServiceAccount:b/y, ServiceAccount:c/z"},
		{Path: p2, Kinds: []string{EscalationBind}, Permissions: []string{"bind clusterroles"}, Details: []string{"d1"}, Targets: []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GroupEscalations =\n%+v\nwant\n%+v", got, want)
	}
	if !reflect.DeepEqual(shared, []string{"ServiceAccount:a/x", "ServiceAccount:b/y"}) {
		t.Fatalf("shared target list was modified: %v", shared)
	}
	if g := GroupEscalations("", nil); g == nil || len(g) != 0 {
		t.Fatalf("GroupEscalations(nil) = %#v, want empty non-nil", g)
	}
}

// TestGroupEscalationsHolder: a path's targets are its escalations' lists
// merged, one list shared as is; the holder flag survives only when no
// escalation counts the holder as a target.
func TestGroupEscalationsHolder(t *testing.T) {
	const me = "ServiceAccount:a/me"
	list := []string{"ServiceAccount:a/me", "ServiceAccount:a/x", "ServiceAccount:b/y"}
	sub := []string{"ServiceAccount:a/me", "ServiceAccount:a/x"}
	other := []string{"ServiceAccount:a/me", "ServiceAccount:c/z"}
	p := &Path{Key: "RoleBinding a/ci|ClusterRole/edit#0"}
	esc := func(kind string, targets []string, holderIn bool) Escalation {
		return Escalation{Kind: kind, Resource: kind, Targets: targets, HolderInTargets: holderIn, Path: p}
	}
	tests := []struct {
		name     string
		es       []Escalation
		want     []string
		holderIn bool
		shared   bool // the path's list is list itself
	}{
		{"one list", []Escalation{esc(EscalationPods, list, true), esc(EscalationToken, list, true)}, list, true, true},
		{"subset of one list", []Escalation{esc(EscalationPods, list, true), esc(EscalationToken, sub, true)}, list, true, true},
		{"holder counted by another", []Escalation{esc(EscalationPods, list, true), esc(EscalationBindings, list, false)}, list, false, true},
		{"no flag", []Escalation{esc(EscalationPods, list[1:], false)}, list[1:], false, false},
		{"union", []Escalation{esc(EscalationPods, list, true), esc(EscalationToken, other, true)},
			[]string{"ServiceAccount:a/me", "ServiceAccount:a/x", "ServiceAccount:b/y", "ServiceAccount:c/z"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GroupEscalations(me, tt.es)
			if len(got) != 1 || !reflect.DeepEqual(got[0].Targets, tt.want) || got[0].HolderInTargets != tt.holderIn {
				t.Fatalf("GroupEscalations = %+v, want targets %v holderInTargets %v", got, tt.want, tt.holderIn)
			}
			if shared := &got[0].Targets[0] == &list[0]; shared != tt.shared {
				t.Errorf("targets share the escalation's list: %v, want %v", shared, tt.shared)
			}
			if h := HolderInTargets(me, tt.es); h != tt.holderIn {
				t.Errorf("HolderInTargets = %v, want %v", h, tt.holderIn)
			}
		})
	}
}

func TestTargetCount(t *testing.T) {
	l := []string{"A", "B", "C"}
	if n := (&Escalation{Targets: l, HolderInTargets: true}).TargetCount(); n != 2 {
		t.Errorf("holder in list: TargetCount = %d, want 2", n)
	}
	if n := (&Escalation{Targets: l}).TargetCount(); n != 3 {
		t.Errorf("holder not in list: TargetCount = %d, want 3", n)
	}
}

func TestCapTargets(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("SA:%02d", i)
		}
		return out
	}
	twelve := ids(12)
	for _, tc := range []struct {
		name     string
		targets  []string
		holder   string
		holderIn bool
		want     string
	}{
		{"none", nil, "", false, ""},
		{"few", ids(3), "", false, "SA:00, SA:01, SA:02"},
		{"exactly ten", ids(10), "", false, strings.Join(ids(10), ", ")},
		{"more than ten", twelve, "", false, strings.Join(ids(10), ", ") + " and 2 more"},
		{"holder among the first", twelve, "SA:03", true, "SA:00, SA:01, SA:02, SA:04, SA:05, SA:06, SA:07, SA:08, SA:09, SA:10 and 1 more"},
		{"holder past the shown", twelve, "SA:11", true, strings.Join(ids(10), ", ") + " and 1 more"},
		{"eleven with the holder", ids(11), "SA:00", true, strings.Join(ids(11)[1:], ", ")},
		{"holder not flagged stays", ids(2), "SA:00", false, "SA:00, SA:01"},
	} {
		if got := CapTargets(tc.targets, tc.holder, tc.holderIn, TargetsShown); got != tc.want {
			t.Errorf("%s: CapTargets = %q, want %q", tc.name, got, tc.want)
		}
	}
	// Detail texts name three.
	if got, want := CapTargets(ids(5), "SA:01", true, 3), "SA:00, SA:02, SA:03 and 1 more"; got != want {
		t.Errorf("CapTargets(limit 3) = %q, want %q", got, want)
	}
}
