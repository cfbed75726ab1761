package image

import (
	"context"
	"sync"
)

// inParallel runs fn(i) for i in 0..n-1 on at most workers goroutines,
// handing out the indexes in order until ctx ends. After each fn(i), tick
// (if set) is told i and how many are done, one call at a time.
func inParallel(ctx context.Context, n, workers int, fn func(i int), tick func(i, done int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
				if tick != nil {
					mu.Lock()
					done++
					tick(i, done)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}
