package ordered

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestMap(t *testing.T) {
	for _, tt := range []struct{ n, workers int }{
		{0, 4}, {1, 4}, {2, 1}, {7, 2}, {100, 3}, {1000, 8},
	} {
		var made atomic.Int32
		var got []int
		Map(tt.n, tt.workers, func() func(k int) int {
			made.Add(1)
			seen := -1 // per-goroutine state: pieces come in increasing order
			return func(k int) int {
				if k <= seen {
					t.Errorf("n=%d workers=%d: a goroutine got piece %d after %d", tt.n, tt.workers, k, seen)
				}
				seen = k
				if k%7 == 0 {
					time.Sleep(time.Millisecond) // finish out of order
				}
				return k * k
			}
		}, func(k, v int) {
			if v != k*k {
				t.Errorf("n=%d workers=%d: consume(%d, %d), want %d", tt.n, tt.workers, k, v, k*k)
			}
			got = append(got, k)
		})
		want := make([]int, tt.n)
		for k := range want {
			want[k] = k
		}
		if !slices.Equal(got, want) {
			t.Errorf("n=%d workers=%d: consumed %v, want 0..%d in order", tt.n, tt.workers, got, tt.n-1)
		}
		if maxMade := int32(max(1, min(tt.workers, tt.n))); tt.n > 0 && made.Load() > maxMade {
			t.Errorf("n=%d workers=%d: %d produce functions, want at most %d", tt.n, tt.workers, made.Load(), maxMade)
		}
	}
}

// TestMapBoundsWork checks produce runs at most 2*workers pieces ahead of
// consume.
func TestMapBoundsWork(t *testing.T) {
	const n, workers = 200, 3
	var produced, consumed atomic.Int32
	Map(n, workers, func() func(k int) int {
		return func(k int) int {
			if ahead := produced.Add(1) - consumed.Load(); ahead > 2*workers {
				t.Errorf("piece %d: %d pieces produced ahead of consume, want at most %d", k, ahead, 2*workers)
			}
			return k
		}
	}, func(k, _ int) {
		if k%10 == 0 {
			time.Sleep(200 * time.Microsecond) // a slow consumer
		}
		consumed.Add(1)
	})
	if produced.Load() != n || consumed.Load() != n {
		t.Errorf("produced %d, consumed %d, want %d each", produced.Load(), consumed.Load(), n)
	}
}
