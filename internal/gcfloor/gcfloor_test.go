package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live, floor uint64
		want        int
	}{
		{live: 4 * mib, floor: 200 * mib, want: 4900}, // goal 5,000% of 4 MiB = 200 MiB
		{live: 50 * mib, floor: 200 * mib, want: 300},
		{live: 99 * mib, floor: 200 * mib, want: 102},
		{live: 100 * mib, floor: 200 * mib, want: 100}, // 2×live reaches the floor
		{live: 320 * mib, floor: 200 * mib, want: 100},
		{live: 640 * mib, floor: 200 * mib, want: 50}, // headroom capped at 320 MiB
		{live: 0, floor: 200 * mib, want: 100},
	} {
		if got := percent(tc.live, tc.floor); got != tc.want {
			t.Errorf("percent(%d MiB, %d MiB) = %d, want %d", tc.live/mib, tc.floor/mib, got, tc.want)
		}
	}
}

// gcPercent reads the current GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestSetFollowsLiveHeap: a small live heap gets a high GOGC; once the live
// heap passes half the floor, GOGC is back to 100; stop restores 100.
func TestSetFollowsLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(gcPercent())
	const floor = 64 << 20
	stop := Set(floor)
	defer stop()
	runtime.GC()
	waitFor(t, func() bool { return gcPercent() > 100 }, "GOGC above 100 with a small live heap")
	big := make([][]byte, 48)
	for i := range big {
		big[i] = make([]byte, 1<<20) // 48 MiB live: 2×live is above the floor
	}
	runtime.GC()
	waitFor(t, func() bool { return gcPercent() == 100 }, "GOGC back to 100 with 48 MiB live")
	runtime.KeepAlive(big)
	stop()
	if p := gcPercent(); p != 100 {
		t.Errorf("after stop GOGC = %d, want 100", p)
	}
}

// TestUserSettingsWin: GOGC or GOMEMLIMIT in the environment turn it off.
func TestUserSettingsWin(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			t.Setenv(env, "123")
			before := gcPercent()
			stop := Set(1 << 30)
			p := gcPercent()
			stop()
			if p != before {
				t.Errorf("GOGC changed from %d to %d although %s is set", before, p, env)
			}
		})
	}
}

// waitFor polls cond for a while: the tuner runs in the finalizer
// goroutine after a collection, not synchronously.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for range 200 {
		if cond() {
			return
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (GOGC %d)", what, gcPercent())
}

// TestForInput: the size of the input raises the floor of the running
// tuner (never lowers it, at most maxInputFloor) and does nothing when no
// tuner runs.
func TestForInput(t *testing.T) {
	ForInput(100 << 20) // no tuner: no effect, no panic
	const floor = 64 << 20
	stop, floorOf := startTuner(t, floor)
	for _, tc := range []struct {
		input int64
		want  uint64
	}{
		{input: 1 << 20, want: floor},                   // 6 MiB: below the floor set
		{input: 20 << 20, want: 20 << 20 * inputFactor}, // raised
		{input: 10 << 20, want: 20 << 20 * inputFactor}, // never lowered
		{input: 1 << 30, want: maxInputFloor},           // capped
	} {
		ForInput(tc.input)
		if got := floorOf(); got != tc.want {
			t.Errorf("after ForInput(%d MiB) floor = %d MiB, want %d MiB", tc.input>>20, got>>20, tc.want>>20)
		}
	}
	runtime.GC()
	waitFor(t, func() bool { return gcPercent() > 1000 }, "GOGC for a heap goal of maxInputFloor with a small live heap")
	stop()
	if active.Load() != nil {
		t.Error("stop left the tuner active")
	}
}

// TestPregrowLeavesNoGarbage: the range pregrow allocates is freed before
// it returns, even when a collection was running as it allocated (then the
// allocation survives that collection, and the heap would grow elsewhere).
func TestPregrowLeavesNoGarbage(t *testing.T) {
	objects := func() uint64 {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	const n = 64 << 20
	for range 3 {
		runtime.GC()
		before := objects()
		done := make(chan struct{})
		go func() { // a collection in progress
			runtime.GC()
			close(done)
		}()
		pregrow(n, 2<<20)
		after := objects()
		<-done
		if after > before+n/2 {
			t.Fatalf("heap objects grew from %d to %d MiB: the pregrow range outlived pregrow", before>>20, after>>20)
		}
	}
}

func TestKeepHeap(t *testing.T) {
	KeepHeap() // no tuner: no effect, no panic
	_, floorOf := startTuner(t, 1<<20)
	held := make([][]byte, 64)
	for i := range held {
		held[i] = make([]byte, 1<<20) // 64 MiB in use
	}
	KeepHeap()
	if got := floorOf(); got < 64<<20 {
		t.Errorf("floor after KeepHeap with 64 MiB in use = %d MiB, want at least 64 MiB", got>>20)
	}
	runtime.KeepAlive(held) // garbage from here on
	before := floorOf()
	runtime.GC()
	KeepHeap() // less in use now: the floor is never lowered
	if got := floorOf(); got != before {
		t.Errorf("floor after KeepHeap with less in use = %d MiB, want it kept at %d MiB", got>>20, before>>20)
	}
}

// startTuner starts a tuner with floor (GOGC and GOMEMLIMIT unset, GOGC
// restored and the tuner stopped when the test ends) and returns its stop
// and a reader of its floor.
func startTuner(t *testing.T, floor uint64) (stop func(), floorOf func() uint64) {
	t.Helper()
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	percent := gcPercent()
	stop = Set(floor)
	t.Cleanup(func() {
		stop()
		debug.SetGCPercent(percent)
	})
	tn := active.Load()
	return stop, func() uint64 {
		tn.mu.Lock()
		defer tn.mu.Unlock()
		return tn.floor
	}
}
