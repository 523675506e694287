// Package gcfloor sets the Go heap goal to max(floor, live + headroom),
// where the headroom is the live heap (as with GOGC=100) up to 320 MiB.
//
// With the default GOGC=100 the collector runs whenever the heap doubles
// its live size. Early in a scan the live heap is small and grows fast
// (files parsed, facts built), so the runtime collects over and over
// although the process is far from any memory concern: on a
// 20,000-role cluster that is a third of the load and resolve time. The
// Go compiler raises its starting heap the same way
// (cmd/compile/internal/base.AdjustStartingHeap). At the other end, on the
// largest clusters, a doubling heap is what pushes memory past a gigabyte.
// Set adjusts GOGC after every collection to keep that goal.
package gcfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// defaultPercent is GOGC's default, used until a first measurement.
const defaultPercent = 100

// maxHeadroom caps the room between the live heap and the next collection
// once the live heap is large (half a GB while the largest clusters are
// evaluated): GOGC=100 would let the heap double, and memory, not the
// collector's CPU, is what limits a scan there.
const maxHeadroom = 320 << 20

// percent is the GOGC that gives a heap goal of max(floor, live+headroom)
// for live bytes, the headroom being live (GOGC=100) up to maxHeadroom.
func percent(live, floor uint64) int {
	if live == 0 {
		return defaultPercent
	}
	room := min(live, maxHeadroom)
	if live+room < floor {
		room = floor - live
	}
	return int(room * 100 / live)
}

// tuner re-reads the live heap after each collection.
type tuner struct {
	floor   uint64
	stopped atomic.Bool
	sample  []metrics.Sample
	last    int
}

// Set keeps the heap goal at least floor bytes until the returned stop
// is called. It does nothing when the user set GOGC or GOMEMLIMIT (their
// choice wins) and returns a no-op stop then.
func Set(floor uint64) (stop func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" || floor == 0 {
		return func() {}
	}
	t := &tuner{floor: floor, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}, last: defaultPercent}
	t.apply(0)
	t.arm()
	return func() {
		t.stopped.Store(true)
		debug.SetGCPercent(defaultPercent)
	}
}

// sentinel is collected by each cycle (it holds a pointer, so it is never
// batched by the tiny allocator, whose finalizers may not run).
type sentinel struct{ t *tuner }

// arm registers a finalizer on a fresh sentinel: it runs after the next
// collection and re-arms, so the tuner runs once per cycle.
func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t}, func(*sentinel) {
		if t.stopped.Load() {
			return
		}
		metrics.Read(t.sample)
		t.apply(t.sample[0].Value.Uint64())
		t.arm()
	})
}

// apply sets GOGC for the live heap size just measured.
func (t *tuner) apply(live uint64) {
	if live == 0 {
		// Before the first collection: as if the live heap were 4 MiB.
		live = 4 << 20
	}
	if p := percent(live, t.floor); p != t.last {
		debug.SetGCPercent(p)
		t.last = p
	}
}
