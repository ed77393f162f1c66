package heapfloor // import "github.com/paylog/paylog/extension/heapfloor"

import (
	"context"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
)

// Why: with GOGC's default of 100 the collector collects when its heap has
// doubled since the last collection. A lightly loaded paylog holds a few
// MiB, so at 1,000 single-entry requests a second it collected 7 times a
// second; each collection empties the sync.Pools (the queue's zstd contexts
// cost 40-60 µs to make again, where a compression takes 3 µs) and every
// request waits for its share. With a 256 MiB floor single /logs/ingest
// p95 fell from 9.6-12.7 ms to 6.0-9.3 ms (see README). Under load the heap
// is hundreds of MiB and sets a goal above the floor: GOGC is the default.

// defaultPercent is GOGC when the environment does not set it.
const defaultPercent = 100

// maxPercent bounds GOGC for a nearly empty heap, where the floor divided
// by the live bytes is huge.
const maxPercent = 100_000

// running makes the floor one per process: GOGC is the process's.
var running atomic.Bool

var errAlreadyRunning = errors.New("another heapfloor extension already runs in this process")

type heapFloor struct {
	floor  uint64
	logger *zap.Logger

	mu      sync.Mutex
	started bool
	// stopped ends the chain of cleanups; percent is the GOGC last set.
	stopped atomic.Bool
	percent atomic.Int64
	live    []metrics.Sample
}

func (h *heapFloor) Start(context.Context, component.Host) error {
	if h.floor == 0 {
		return nil
	}
	if gogc := os.Getenv("GOGC"); gogc != "" {
		h.logger.Info("GOGC is set in the environment; the heap floor is off", zap.String("GOGC", gogc))
		return nil
	}
	if !running.CompareAndSwap(false, true) {
		return errAlreadyRunning
	}
	h.mu.Lock()
	h.started = true
	h.mu.Unlock()
	h.live = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	h.logger.Info("Heap floor set", zap.Uint64("min_heap_goal_mib", h.floor>>20))
	h.tune()
	return nil
}

func (h *heapFloor) Shutdown(context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.started {
		return nil
	}
	h.started = false
	h.stopped.Store(true)
	debug.SetGCPercent(defaultPercent)
	running.Store(false)
	return nil
}

// sentinel is garbage whose cleanup runs after the collection that found
// it: a hook after every collection. It holds a pointer so that it is not
// packed with other small objects (which would keep it alive).
type sentinel struct{ _ *int }

// tune sets GOGC for the live heap the last collection left, and arms the
// hook for the next collection.
func (h *heapFloor) tune() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped.Load() {
		return
	}
	metrics.Read(h.live)
	percent := percentFor(h.live[0].Value.Uint64(), h.floor)
	if int64(percent) != h.percent.Load() {
		debug.SetGCPercent(percent)
		h.percent.Store(int64(percent))
	}
	runtime.AddCleanup(&sentinel{}, func(h *heapFloor) { h.tune() }, h)
}

// percentFor is the GOGC whose goal, live*(1+GOGC/100), reaches floor, and
// never under the default.
func percentFor(live, floor uint64) int {
	if live == 0 || live >= floor {
		return defaultPercent
	}
	return int(min(max(floor*100/live-100, defaultPercent), maxPercent))
}
