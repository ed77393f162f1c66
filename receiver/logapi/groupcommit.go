package logapi // import "github.com/paylog/paylog/receiver/logapi"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
)

// groupCommit merges the logs of concurrent small requests into one
// ConsumeLogs call. Each call ends in a write to the persistent queue (a
// storage transaction with fsync): one per single-entry request caps
// /logs/ingest at the disk's fsync rate and queues requests behind each other.
// A request that finds the pipeline free goes straight through; requests
// that arrive while maxInFlight calls run wait in the next group, which the
// first call to finish sends as one. Every request of a group gets the
// group's result, so none is acknowledged before all of it is durable.
type groupCommit struct {
	next        consumer.Logs
	maxInFlight int
	maxRecords  int

	mu       sync.Mutex
	inFlight int
	waiting  []*commitGroup // oldest first; only the last takes more requests
}

type commitGroup struct {
	logs    plog.Logs
	records int
	done    chan struct{}
	err     error
}

func newGroupCommit(next consumer.Logs, maxInFlight, maxRecords int) *groupCommit {
	return &groupCommit{next: next, maxInFlight: maxInFlight, maxRecords: maxRecords}
}

// consume passes ld (records log records) down the pipeline, alone or with
// others, and returns once it is consumed. ld is taken over.
func (g *groupCommit) consume(ctx context.Context, ld plog.Logs, records int) error {
	g.mu.Lock()
	if g.inFlight < g.maxInFlight && len(g.waiting) == 0 {
		g.inFlight++
		g.mu.Unlock()
		err := g.next.ConsumeLogs(ctx, ld)
		g.finished()
		return err
	}
	group := g.join(ld, records)
	g.mu.Unlock()
	select {
	case <-group.done:
		return group.err
	case <-ctx.Done():
		// The client is gone; its entries go down with the group anyway
		// (at least once: it may send them again).
		return ctx.Err()
	}
}

// join adds ld to the last waiting group, or to a new one when that is
// full. Callers hold g.mu.
func (g *groupCommit) join(ld plog.Logs, records int) *commitGroup {
	var group *commitGroup
	if n := len(g.waiting); n > 0 && g.waiting[n-1].records+records <= g.maxRecords {
		group = g.waiting[n-1]
	} else {
		group = &commitGroup{logs: plog.NewLogs(), done: make(chan struct{})}
		g.waiting = append(g.waiting, group)
	}
	ld.ResourceLogs().MoveAndAppendTo(group.logs.ResourceLogs())
	group.records += records
	return group
}

// finished ends a call; the oldest waiting group, if any, takes its place.
func (g *groupCommit) finished() {
	g.mu.Lock()
	if len(g.waiting) == 0 {
		g.inFlight--
		g.mu.Unlock()
		return
	}
	group := g.waiting[0]
	g.waiting = g.waiting[1:]
	g.mu.Unlock()
	go func() {
		// Not any one client's context: a client that hangs up must not
		// cancel the others' entries.
		group.err = g.next.ConsumeLogs(context.Background(), group.logs)
		close(group.done)
		g.finished()
	}()
}
