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
	})
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
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, d.wait(ctx), context.DeadlineExceeded)
	close(release)
	assert.ErrorIs(t, d.wait(context.Background()), fail)
	d.stop()
}
