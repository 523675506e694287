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
// Set adjusts GOGC after every collection to keep that goal; ForInput
// raises the floor once the size of the input is known, and maps that heap
// up front on transparent huge pages where the kernel gives them only on
// request (see pregrow); KeepHeap raises it to the heap in use when the
// scan's facts are built.
package gcfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
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

// The heap a scan of manifests needs grows with their size: the live
// heap peaks at about 4.5 times the bytes read (at the end of resolution,
// docs/benchmarks.md), and nearly everything loading and resolution
// allocate stays live until then, so collections before that point find
// little garbage. ForInput sets the floor to inputFactor times the input,
// enough to reach the end of resolution with one or two collections, but
// at most maxInputFloor, which keeps the largest benchmark (100,000 roles,
// 120 MB of manifests) within its 1 GiB budget also on huge pages (pregrow),
// which stay resident 2 MiB at a time.
const (
	inputFactor   = 6
	maxInputFloor = 512 << 20
)

// tuner re-reads the live heap after each collection.
type tuner struct {
	stopped atomic.Bool
	sample  []metrics.Sample // only the finalizer goroutine reads into it
	mu      sync.Mutex       // guards the fields below
	floor   uint64
	live    uint64 // at the last collection, 0 before the first
	last    int
}

// active is the tuner Set started, for ForInput and KeepHeap; nil when
// none runs.
var active atomic.Pointer[tuner]

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
	active.Store(t)
	return func() {
		active.CompareAndSwap(t, nil)
		t.stopped.Store(true)
		debug.SetGCPercent(defaultPercent)
	}
}

// ForInput raises the floor of the running tuner (if any) for a scan of
// bytes of manifests: to inputFactor times that, at most maxInputFloor.
// When the scan needs at least minPregrow bytes of heap, that heap is
// mapped at once on huge pages (pregrow).
func ForInput(bytes int64) {
	t := active.Load()
	if bytes <= 0 || t == nil {
		return
	}
	need := min(uint64(bytes)*inputFactor, maxInputFloor)
	floor := t.raise(need)
	if need >= minPregrow {
		// The heap passes its goal while a collection runs, by up to a
		// fifth at 100,000 roles: map a quarter more than the input needs,
		// and at least the floor in force.
		pregrow(max(floor, need+need/4), hugePageSize())
	}
}

// raise lifts the floor to floor bytes (never lowers it) and returns the
// floor in force.
func (t *tuner) raise(floor uint64) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if floor > t.floor {
		t.floor = floor
		t.setPercent()
	}
	return t.floor
}

// minPregrow is the smallest expected heap worth mapping ahead: below it a
// scan takes a few thousand page faults at most.
const minPregrow = 64 << 20

// pregrow backs the next n bytes of heap with transparent huge pages of
// size huge (0: none to ask for). Go does not ask for them (since Go
// 1.21.1), so where the kernel grants them only on request (THP "madvise",
// the default of Ubuntu and Debian kernels) the heap grows 4 KiB page by
// page: about 330,000 page faults, 3-5 s of system time on this project's
// 2-core benchmark machine, for a scan of 100,000 roles (docs/benchmarks.md).
// One n-byte allocation makes the runtime map that much heap in one piece;
// it is advised MADV_HUGEPAGE and freed by a collection at once, and the
// heap then reuses the range (it allocates from the lowest free address).
// The pages are faulted in only when used, so resident memory does not
// grow with n.
func pregrow(n uint64, huge uintptr) {
	if huge == 0 || n == 0 {
		return
	}
	advise(n, huge)
	// Allocated while a collection ran, the range would survive it and the
	// heap would grow elsewhere meanwhile, to use both ranges later: 420
	// instead of 280 MiB resident in some scans of 20,000 roles.
	runtime.GC()
}

// advise allocates n bytes (fresh memory, which the runtime does not
// touch) and advises them; they are garbage when it returns.
func advise(n uint64, huge uintptr) {
	b := make([]byte, n)
	adviseHuge(b, huge)
	runtime.KeepAlive(b)
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
	t.mu.Lock()
	defer t.mu.Unlock()
	t.live = live
	t.setPercent()
}

// setPercent sets GOGC for t.live and t.floor; t.mu is held.
func (t *tuner) setPercent() {
	live := t.live
	if live == 0 {
		// Before the first collection: as if the live heap were 4 MiB.
		live = 4 << 20
	}
	if p := percent(live, t.floor); p != t.last {
		debug.SetGCPercent(p)
		t.last = p
	}
}

// KeepHeap raises the floor of the running tuner (if any) to the heap in
// use now. A scan calls it at the end of resolution, its largest live heap
// so far, just before most of that becomes garbage: the process has grown
// that large already, and letting the heap grow as large again while the
// policies are evaluated spares collections (≈ 3% of the CPU of a scan of
// 100,000 roles, for ≈ 30 MB more peak RSS; docs/benchmarks.md).
func KeepHeap() {
	t := active.Load()
	if t == nil {
		return
	}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	t.raise(s[0].Value.Uint64())
}
