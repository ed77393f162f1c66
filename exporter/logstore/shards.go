package logstore // import "github.com/paylog/paylog/exporter/logstore"

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
)

// shardedLogs spreads ConsumeLogs over exporters that each have their own
// sending queue (see Config.QueueShards).
type shardedLogs struct {
	shards []exporter.Logs
	// inFlight counts the ConsumeLogs calls each shard is serving.
	inFlight []atomic.Int32
	// next rotates where the search for the least busy shard starts, so
	// that an idle collector still uses every shard.
	next atomic.Uint32
}

// shardID is the id shard i's queue is stored under: shard 0 keeps the
// exporter's own.
func shardID(id component.ID, shard int) component.ID {
	if shard == 0 {
		return id
	}
	name := "queue-" + strconv.Itoa(shard)
	if id.Name() != "" {
		name = id.Name() + "-" + name
	}
	return component.NewIDWithName(id.Type(), name)
}

func (s *shardedLogs) Start(ctx context.Context, host component.Host) error {
	for _, shard := range s.shards {
		if err := shard.Start(ctx, host); err != nil {
			return err
		}
	}
	return nil
}

func (s *shardedLogs) Shutdown(ctx context.Context) error {
	var errs []error
	for _, shard := range s.shards {
		errs = append(errs, shard.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

func (s *shardedLogs) Capabilities() consumer.Capabilities { return s.shards[0].Capabilities() }

func (s *shardedLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	n := len(s.shards)
	start := int(s.next.Add(1) % uint32(n))
	best := start
	for k := 1; k < n; k++ {
		if i := (start + k) % n; s.inFlight[i].Load() < s.inFlight[best].Load() {
			best = i
		}
	}
	s.inFlight[best].Add(1)
	defer s.inFlight[best].Add(-1)
	return s.shards[best].ConsumeLogs(ctx, ld)
}
