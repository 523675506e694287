// Package ordered runs numbered pieces of work on several goroutines and
// hands their results to the caller in order: the parallel stages of a scan
// (report encoding, binding resolution) must give the bytes and facts a
// single goroutine gives.
package ordered

import "sync"

// Map calls produce(k) for every k in [0, n) on up to workers goroutines
// and consume(k, v) with its result on the calling goroutine, in increasing
// order of k. Each goroutine gets its own produce function from newProduce,
// so it may keep state (buffers, caches). At most 2*workers results are
// computed ahead of consume, which bounds their memory. With fewer than two
// workers or pieces everything runs on the calling goroutine.
func Map[T any](n, workers int, newProduce func() func(k int) T, consume func(k int, v T)) {
	workers = min(workers, n)
	if workers < 2 {
		produce := newProduce()
		for k := range n {
			consume(k, produce(k))
		}
		return
	}
	// A piece is claimed only after taking a slot, and pieces are claimed
	// in order, so the lowest piece not yet consumed is always being
	// computed (consume never waits on a piece that waits for a slot), and
	// piece k+ahead is claimed only after piece k was received from the
	// same channel of the ring.
	ahead := 2 * workers
	slots := make(chan struct{}, ahead)
	ring := make([]chan T, ahead)
	for i := range ring {
		ring[i] = make(chan T, 1)
	}
	var mu sync.Mutex
	next := 0
	claim := func() (int, bool) {
		slots <- struct{}{}
		mu.Lock()
		defer mu.Unlock()
		if next >= n {
			<-slots
			return 0, false
		}
		next++
		return next - 1, true
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			produce := newProduce()
			for k, ok := claim(); ok; k, ok = claim() {
				ring[k%ahead] <- produce(k)
			}
		})
	}
	for k := range n {
		consume(k, <-ring[k%ahead])
		<-slots
	}
	wg.Wait()
}
