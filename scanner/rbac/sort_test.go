package rbac

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortHalves: the concurrent two-halves sort orders like slices.SortFunc
// for sizes around its cut-off (1,024) and for odd lengths.
func TestSortHalves(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 2, 1023, 1024, 1025, 5000, 9999} {
		xs := rng.Perm(n) // distinct: sortHalves needs a strict order
		want := slices.Sorted(slices.Values(xs))
		if got := sortHalves(slices.Clone(xs), cmp.Compare[int]); !slices.Equal(got, want) {
			t.Errorf("n=%d: sortHalves differs from a plain sort", n)
		}
	}
}
