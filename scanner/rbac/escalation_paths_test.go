package rbac_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
	"github.com/kubelet-audit/kubelet-audit/scanner/load"
	"github.com/kubelet-audit/kubelet-audit/scanner/rbac"
)

// TestEscalationPathsMatchGrouping resolves a generated corpus and checks
// that every subject's EscalationPaths are exactly what
// facts.GroupEscalations makes of its Escalations. The resolver builds
// them from results shared between subjects (and, for subjects with node
// access of their own, from the shared ones with the subject flagged in
// its lists), so this pins the shortcut to the definition. The corpus must
// exercise both kinds of subject, including ones in their own target
// lists.
func TestEscalationPathsMatchGrouping(t *testing.T) {
	res, err := load.Load(context.Background(), []string{gen.Corpus(t, "S")}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := rbac.Resolve(res.Inventory, rbac.Options{})
	var plain, holders, selfTargets, flagged int
	for _, s := range out.Subjects {
		if want := facts.GroupEscalations(s.ID, s.Escalations); !reflect.DeepEqual(s.EscalationPaths, want) {
			t.Errorf("%s: EscalationPaths =\n%+v\nwant\n%+v", s.ID, s.EscalationPaths, want)
		}
		if len(s.Escalations) == 0 {
			continue
		}
		if len(s.Grants) == 0 {
			plain++
			continue
		}
		holders++
		for _, p := range s.EscalationPaths {
			if p.HolderInTargets {
				flagged++
			}
		}
		for _, e := range out.Subjects {
			for _, esc := range e.Escalations {
				if e.ID != s.ID && esc.Kind == facts.EscalationPods && slices.Contains(esc.Targets, s.ID) {
					selfTargets++ // others reach s: s is flagged in its own lists
				}
			}
		}
	}
	if plain == 0 || holders == 0 || selfTargets == 0 || flagged == 0 {
		t.Fatalf("corpus too small to check: %d subjects without node access, %d with, %d reached by others, %d paths with the holder in its list",
			plain, holders, selfTargets, flagged)
	}
}
