package inventory

import (
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func role(name string) Role {
	return Role{Role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}}}
}

func names(rs []Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// TestMerge: objects are appended in order; an empty inventory takes the
// other's slice without copying, and appending to one afterwards never
// shows in the other.
func TestMerge(t *testing.T) {
	for _, tc := range []struct {
		name        string
		into, other []Role
		want        []string
		shared      bool // the result is other's slice itself
	}{
		{"into empty", nil, append(make([]Role, 0, 8), role("a"), role("b")), []string{"a", "b"}, true},
		{"append", []Role{role("a")}, []Role{role("b"), role("c")}, []string{"a", "b", "c"}, false},
		{"nothing to add", []Role{role("a")}, nil, []string{"a"}, false},
		{"both empty", nil, nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &Inventory{Roles: tc.into}
			other := &Inventory{Roles: tc.other}
			inv.Merge(other)
			if got := names(inv.Roles); !slices.Equal(got, tc.want) {
				t.Fatalf("roles %v, want %v", got, tc.want)
			}
			shared := len(inv.Roles) > 0 && len(other.Roles) > 0 && &inv.Roles[0] == &other.Roles[0]
			if shared != tc.shared {
				t.Errorf("shared = %v, want %v", shared, tc.shared)
			}
			if cap(inv.Roles) != len(inv.Roles) && tc.shared {
				t.Errorf("taken slice not clipped: len %d cap %d", len(inv.Roles), cap(inv.Roles))
			}
			n := len(other.Roles)
			inv.Roles = append(inv.Roles, role("x"))
			other.Roles = append(other.Roles, role("y"))
			if inv.Roles[len(inv.Roles)-1].Name != "x" || other.Roles[n].Name != "y" {
				t.Error("appending to one inventory changed the other")
			}
		})
	}
}
