package engine

import (
	"reflect"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// TestInputValueSharedLists checks that escalations sharing one target
// list convert to one shared term, and that a shorter view of the same
// backing array or an equal copy is still converted faithfully.
func TestInputValueSharedLists(t *testing.T) {
	targets := []string{"ServiceAccount:a/1", "ServiceAccount:a/2", "ServiceAccount:b/1", "ServiceAccount:b/2", "Group:system:serviceaccounts:c"}
	lists := [][]string{targets, targets, targets[:4], append([]string{}, targets...), targets[1:]}
	doc := facts.New("manifests")
	for i, l := range lists {
		doc.Subjects = append(doc.Subjects, facts.Subject{
			ID: "User:u" + string(rune('0'+i)), Kind: "User", Scope: facts.ScopeUser,
			Escalations: []facts.Escalation{{Kind: facts.EscalationPods, Targets: l}},
		})
	}
	got, err := InputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	if want := jsonValue(t, doc); got.Compare(want) != 0 {
		t.Fatalf("shared lists convert differently from JSON:\n got %v\nwant %v", got, want)
	}
	c := newConverter()
	a, _ := c.term(reflect.ValueOf(lists[0]))
	b, _ := c.term(reflect.ValueOf(lists[1]))
	short, _ := c.term(reflect.ValueOf(lists[2]))
	if a != b {
		t.Error("the same list converted twice gave two terms")
	}
	if a == short {
		t.Error("a shorter view of the same array shares the full list's term")
	}
}
