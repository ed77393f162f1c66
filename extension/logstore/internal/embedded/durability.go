package embedded

import (
	"context"
	"sort"
	"sync"
)

// durabilityLoop runs durability points one at a time in one goroutine and
// lets any number of writers wait for the next one (group commit): a writer
// that arrives while a point is running waits for the following point, which
// then covers every writer that arrived meanwhile.
type durabilityLoop struct {
	mu      sync.Mutex
	next    *durabilityPoint
	days    map[string]struct{}
	closed  bool
	kick    chan struct{}
	stopped chan struct{}
	run     func(days []string) error
}

type durabilityPoint struct {
	done chan struct{}
	err  error
}

func newPoint() *durabilityPoint { return &durabilityPoint{done: make(chan struct{})} }

func (d *durabilityLoop) start(run func(days []string) error) {
	d.run = run
	d.next = newPoint()
	d.days = map[string]struct{}{}
	d.kick = make(chan struct{}, 1)
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
		p.err = d.run(days)
		close(p.done)
		if closed {
			return
		}
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
	d.mu.Unlock()
	// One more kick runs a last point; the loop then sees closed and returns.
	// A kick already queued does the same.
	select {
	case d.kick <- struct{}{}:
	default:
	}
	<-d.stopped
}
