package embedded

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// durabilityLoop runs durability points one at a time in one goroutine and
// lets any number of writers wait for the next one (group commit): a writer
// that arrives while a point is running waits for the following point, which
// then covers every writer that arrived meanwhile.
type durabilityLoop struct {
	// adding counts writers between the start and the end of AddLogs.
	adding atomic.Int64
	// points, failed and pointNanos count the points run, those that
	// returned an error, and the time they took, for Stats.
	points, failed atomic.Uint64
	pointNanos     atomic.Int64

	mu       sync.Mutex
	next     *durabilityPoint
	days     map[string]struct{}
	closed   bool
	kick     chan struct{}
	stopping chan struct{} // closed by stop: a gathering point starts at once
	stopped  chan struct{}
	run      func(days []string) error
	// interval is the least time from one point's start to the next's.
	interval time.Duration
	// Only the loop uses these: when the last point started and how long
	// it took.
	lastStart time.Time
	lastRun   time.Duration
}

type durabilityPoint struct {
	done chan struct{}
	err  error
}

func newPoint() *durabilityPoint { return &durabilityPoint{done: make(chan struct{})} }

func (d *durabilityLoop) start(run func(days []string) error, interval time.Duration) {
	d.run = run
	d.interval = interval
	d.next = newPoint()
	d.days = map[string]struct{}{}
	d.kick = make(chan struct{}, 1)
	d.stopping = make(chan struct{})
	d.stopped = make(chan struct{})
	go d.loop()
}

// touch records that rows were added to the partition of day (YYYYMMDD).
func (d *durabilityLoop) touch(day string) {
	d.mu.Lock()
	d.days[day] = struct{}{}
	d.mu.Unlock()
}

func (d *durabilityLoop) wait(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return errClosed
	}
	p := d.next
	d.mu.Unlock()
	select {
	case d.kick <- struct{}{}:
	default:
	}
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *durabilityLoop) loop() {
	defer close(d.stopped)
	for range d.kick {
		d.gather()
		d.mu.Lock()
		p := d.next
		d.next = newPoint()
		days := make([]string, 0, len(d.days))
		for day := range d.days {
			days = append(days, day)
		}
		clear(d.days)
		closed := d.closed
		d.mu.Unlock()

		sort.Strings(days)
		d.lastStart = time.Now()
		p.err = d.run(days)
		d.lastRun = time.Since(d.lastStart)
		d.points.Add(1)
		d.pointNanos.Add(int64(d.lastRun))
		if p.err != nil {
			d.failed.Add(1)
		}
		close(p.done)
		if closed {
			return
		}
	}
}

// Gathering: a point that starts the moment its first writer arrives covers
// one batch, and the writers arriving a millisecond later wait a whole point
// (measured: 2,500 rows per 100 ms point, 22k rows/s end to end). So a point
// waits as long as the previous point took (writers are held off during a
// point, so this keeps them running at least half the time), and for writers
// still adding rows, up to maxGather.
//
// It also starts no sooner than interval after the previous one started. A
// point costs about the same for ten rows as for ten thousand (a new part's
// files, and a link to every file of the day's parts, each fsynced), so
// under a trickle of writes points came as fast as they ran: 4-9 a second,
// busy 45% of the time, and the ingest requests' queue fsyncs waited behind
// their file system work. Writers only wait longer for a point; what
// they wrote is searchable before it and safe in the persistent queue.
const (
	minGather = 2 * time.Millisecond
	maxGather = 250 * time.Millisecond
)

func (d *durabilityLoop) gather() {
	start := time.Now()
	wait := max(minGather, min(d.lastRun, maxGather))
	if !d.lastStart.IsZero() {
		wait = max(wait, d.interval-start.Sub(d.lastStart))
	}
	if !d.sleep(wait) {
		return
	}
	for d.adding.Load() > 0 && time.Since(start) < maxGather {
		time.Sleep(500 * time.Microsecond)
	}
}

// sleep waits for duration, or until stop is called; it reports whether
// the duration passed.
func (d *durabilityLoop) sleep(duration time.Duration) bool {
	timer := time.NewTimer(duration)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-d.stopping:
		return false
	}
}

// stop runs a last point for waiters already queued and ends the loop.
func (d *durabilityLoop) stop() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	close(d.stopping)
	d.mu.Unlock()
	// One more kick runs a last point; the loop then sees closed and returns.
	// A kick already queued does the same.
	select {
	case d.kick <- struct{}{}:
	default:
	}
	<-d.stopped
}
