package goruntime // import "github.com/paylog/paylog/extension/goruntime"

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

// Why a processor more than the CPUs: a goroutine in a system call (the
// queue's and the store's fsyncs, file writes) or a C call (zstd) keeps
// its P until sysmon takes it back, 20 µs to 10 ms later, and runnable
// goroutines wait for a P meanwhile while a CPU may be idle. With one more
// P on the 2-core machine, batch ingest acknowledged 191,000 logs/s against
// 178,000 (medians of 8 alternated 1M-log runs; see README).
//
// Why a floor under the heap goal: with GOGC's default of 100 the collector
// collects when its heap has doubled since the last collection. A lightly
// loaded paylog holds a few MiB, so at 1,000 single-entry requests a second
// it collected 7 times a second; each collection empties the sync.Pools
// (the queue's zstd contexts cost 40-60 µs to make again, where a
// compression takes 3 µs) and every request waits for its share. With a
// 256 MiB floor single /logs/ingest p95 fell from 9.6-12.7 ms to 6.0-9.3 ms
// (see README). Under load the heap is hundreds of MiB and sets a goal
// above the floor: GOGC is then the default.

// defaultPercent is GOGC when the environment does not set it.
const defaultPercent = 100

// maxPercent bounds GOGC for a nearly empty heap, where the floor divided
// by the live bytes is huge.
const maxPercent = 100_000

// running makes the extension one per process: GOGC and GOMAXPROCS are the
// process's.
var running atomic.Bool

var errAlreadyRunning = errors.New("another go_runtime extension already runs in this process")

type goRuntime struct {
	floor      uint64
	extraProcs int
	logger     *zap.Logger

	mu      sync.Mutex
	started bool
	// procsBefore is GOMAXPROCS before Start raised it; 0 when it did not.
	procsBefore int
	// floorOn is set while the heap floor runs: its chain of cleanups ends
	// once it is not; percent is the GOGC it set last.
	floorOn bool
	percent int
	live    []metrics.Sample
}

func (g *goRuntime) Start(context.Context, component.Host) error {
	if g.floor == 0 && g.extraProcs == 0 {
		return nil
	}
	if !running.CompareAndSwap(false, true) {
		return errAlreadyRunning
	}
	g.mu.Lock()
	g.started = true
	g.mu.Unlock()
	g.startProcs()
	g.startFloor()
	return nil
}

func (g *goRuntime) Shutdown(context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.started {
		return nil
	}
	g.started = false
	if g.procsBefore > 0 {
		runtime.GOMAXPROCS(g.procsBefore)
		g.procsBefore = 0
	}
	if g.floorOn {
		g.floorOn = false
		debug.SetGCPercent(defaultPercent)
	}
	running.Store(false)
	return nil
}

// setInEnvironment reports whether the environment sets variable, which
// then wins over the extension's setting; it logs that the setting is off.
func (g *goRuntime) setInEnvironment(variable, setting string) bool {
	v := os.Getenv(variable)
	if v != "" {
		g.logger.Info(variable+" is set in the environment; "+setting+" is off", zap.String(variable, v))
	}
	return v != ""
}

func (g *goRuntime) startProcs() {
	if g.extraProcs == 0 {
		return
	}
	if g.setInEnvironment("GOMAXPROCS", "extra_procs") {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.procsBefore = runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(g.procsBefore + g.extraProcs)
	g.logger.Info("Go processors set", zap.Int("cpus_found", g.procsBefore), zap.Int("gomaxprocs", g.procsBefore+g.extraProcs))
}

func (g *goRuntime) startFloor() {
	if g.floor == 0 {
		return
	}
	if g.setInEnvironment("GOGC", "min_heap_goal_mib") {
		return
	}
	g.mu.Lock()
	g.floorOn = true
	g.live = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	g.mu.Unlock()
	g.logger.Info("Heap goal floor set", zap.Uint64("min_heap_goal_mib", g.floor>>20))
	g.tune()
}

// sentinel is garbage whose cleanup runs after the collection that found
// it: a hook after every collection. It holds a pointer so that it is not
// packed with other small objects (which would keep it alive).
type sentinel struct{ _ *int }

// tune sets GOGC for the live heap the last collection left, and arms the
// hook for the next collection.
func (g *goRuntime) tune() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.floorOn {
		return
	}
	metrics.Read(g.live)
	if percent := percentFor(g.live[0].Value.Uint64(), g.floor); percent != g.percent {
		debug.SetGCPercent(percent)
		g.percent = percent
	}
	runtime.AddCleanup(&sentinel{}, func(g *goRuntime) { g.tune() }, g)
}

// percentFor is the GOGC whose goal, live*(1+GOGC/100), reaches floor, and
// never under the default.
func percentFor(live, floor uint64) int {
	if live == 0 || live >= floor {
		return defaultPercent
	}
	return int(min(max(floor*100/live-100, defaultPercent), maxPercent))
}
