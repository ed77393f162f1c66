package logapi

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
)

// gatedConsumer blocks every call until released and records what each
// call carried.
type gatedConsumer struct {
	mu      sync.Mutex
	calls   []int // records per call
	started chan struct{}
	release chan struct{}
	err     error
}

func (g *gatedConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (g *gatedConsumer) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	g.mu.Lock()
	g.calls = append(g.calls, ld.LogRecordCount())
	g.mu.Unlock()
	g.started <- struct{}{}
	<-g.release
	return g.err
}

func oneRecord(msg string) plog.Logs {
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(msg)
	return ld
}

func TestGroupCommitMergesRequestsThatWait(t *testing.T) {
	next := &gatedConsumer{started: make(chan struct{}, 100), release: make(chan struct{})}
	g := newGroupCommit(next, 1, 3)
	results := make(chan error, 10)
	send := func() { results <- g.consume(context.Background(), oneRecord("x"), 1) }

	go send()
	<-next.started // the first goes straight through and holds the pipeline
	for range 5 {
		go send()
	}
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.waiting) == 2 && g.waiting[0].records == 3 && g.waiting[1].records == 2
	}, 2*time.Second, time.Millisecond, "five waiting requests form groups of at most 3 records")
	select {
	case err := <-results:
		t.Fatalf("a request was answered before its logs were consumed: %v", err)
	default:
	}

	// The first call ends, then each group's call in turn.
	next.release <- struct{}{}
	<-next.started
	next.release <- struct{}{}
	<-next.started
	next.release <- struct{}{}
	for range 6 {
		assert.NoError(t, <-results)
	}
	assert.Equal(t, []int{1, 3, 2}, next.calls, "six requests in three pipeline calls")
}

func TestGroupCommitGivesEveryRequestItsGroupsError(t *testing.T) {
	refused := errors.New("queue is full")
	next := &gatedConsumer{started: make(chan struct{}, 100), release: make(chan struct{}), err: refused}
	g := newGroupCommit(next, 1, 100)
	results := make(chan error, 10)
	go func() { results <- g.consume(context.Background(), oneRecord("first"), 1) }()
	<-next.started
	for range 4 {
		go func() { results <- g.consume(context.Background(), oneRecord("waiting"), 1) }()
	}
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.waiting) == 1 && g.waiting[0].records == 4
	}, 2*time.Second, time.Millisecond)
	next.release <- struct{}{}
	<-next.started
	next.release <- struct{}{}
	for range 5 {
		assert.ErrorIs(t, <-results, refused, "nothing of a refused group is acknowledged")
	}
	assert.Equal(t, []int{1, 4}, next.calls)
}

func TestGroupCommitIdleGoesStraightThrough(t *testing.T) {
	next := &gatedConsumer{started: make(chan struct{}, 100), release: make(chan struct{})}
	close(next.release)
	g := newGroupCommit(next, 2, 100)
	for range 3 {
		require.NoError(t, g.consume(context.Background(), oneRecord("x"), 1))
	}
	assert.Equal(t, []int{1, 1, 1}, next.calls)
	assert.Zero(t, g.inFlight)
}
