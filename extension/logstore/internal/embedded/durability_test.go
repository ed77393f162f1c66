package embedded

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDurabilityLoopCoversEveryWriter checks the group-commit contract: a
// writer's wait returns only after a point that started after its call, and
// concurrent writers share points.
func TestDurabilityLoopCoversEveryWriter(t *testing.T) {
	var (
		d       durabilityLoop
		mu      sync.Mutex
		started []time.Time
		runs    atomic.Int64
	)
	d.start(func(days []string) error {
		mu.Lock()
		started = append(started, time.Now())
		mu.Unlock()
		runs.Add(1)
		time.Sleep(5 * time.Millisecond)
		return nil
	}, 0)
	var wg sync.WaitGroup
	const writers = 50
	for range writers {
		wg.Go(func() {
			for range 5 {
				d.touch("20261128")
				called := time.Now()
				require.NoError(t, d.wait(context.Background()))
				mu.Lock()
				last := started[len(started)-1]
				mu.Unlock()
				assert.False(t, last.Before(called), "wait returned on a point that started before the call")
			}
		})
	}
	wg.Wait()
	d.stop()
	assert.Less(t, runs.Load(), int64(writers*5), "writers share points")
	assert.ErrorIs(t, d.wait(context.Background()), errClosed)
	d.stop() // twice is fine
}

func TestDurabilityLoopReportsErrorsAndHonoursContext(t *testing.T) {
	var d durabilityLoop
	release := make(chan struct{})
	fail := errors.New("disk on fire")
	d.start(func([]string) error {
		<-release
		return fail
	}, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, d.wait(ctx), context.DeadlineExceeded)
	close(release)
	assert.ErrorIs(t, d.wait(context.Background()), fail)
	d.stop()
	assert.Equal(t, d.points.Load(), d.failed.Load(), "every point failed and was counted")
	assert.Positive(t, d.points.Load())
}

// TestDurabilityLoopSpacesPoints checks that points start at least the
// interval apart however often writers wait, and that stop does not wait
// out the interval.
func TestDurabilityLoopSpacesPoints(t *testing.T) {
	const interval = 150 * time.Millisecond
	var (
		d       durabilityLoop
		started []time.Time // only the loop appends, before waits return
	)
	d.start(func([]string) error {
		started = append(started, time.Now())
		return nil
	}, interval)
	for range 4 {
		require.NoError(t, d.wait(context.Background()))
	}
	require.Len(t, started, 4)
	for i := 1; i < len(started); i++ {
		assert.GreaterOrEqual(t, started[i].Sub(started[i-1]), interval, "point %d started too soon after the one before", i)
	}

	// A writer waiting for a spaced point is served at stop, which does
	// not sleep out an interval of an hour. The writer's side of wait is
	// done here step by step, so that it is surely registered before stop.
	d.interval = time.Hour
	d.mu.Lock()
	point := d.next
	d.mu.Unlock()
	d.kick <- struct{}{}
	stopped := make(chan struct{})
	go func() { d.stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop waited for the interval")
	}
	<-point.done
	assert.NoError(t, point.err)
	assert.Len(t, started, 5, "stop ran a last point for the waiting writer")
}
