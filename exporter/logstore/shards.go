package logstore // import "github.com/paylog/paylog/exporter/logstore"

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.uber.org/zap"

	"github.com/paylog/paylog/internal/hostext"
	"github.com/paylog/paylog/internal/queuehealth"
)

// shardedLogs spreads ConsumeLogs over exporters that each have their own
// sending queue (see Config.QueueShards).
type shardedLogs struct {
	shards []exporter.Logs
	// draining are the shards of a larger queue_shards that still held
	// requests at start: they deliver them and take no new ones.
	draining []exporter.Logs
	// id is the exporter's; storage the persistent queue's, or nil.
	id      component.ID
	storage *component.ID
	// newShard creates shard i.
	newShard func(i int) (exporter.Logs, error)
	logger   *zap.Logger
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
	if s.storage == nil {
		return nil
	}
	return s.drainRemovedShards(ctx, host)
}

// shardCountKey is where the exporter records, in its own client of the
// queue's storage, how many shards may hold requests.
const shardCountKey = "count"

// drainRemovedShards starts the shards a larger queue_shards left requests
// in, so that lowering the count loses nothing: they deliver what they hold
// and take no new requests. The count recorded for the next start is the
// configured one once every removed shard is empty.
func (s *shardedLogs) drainRemovedShards(ctx context.Context, host component.Host) error {
	ext, err := hostext.Find[storage.Extension](host, "storage", *s.storage, "a storage extension")
	if err != nil {
		return err
	}
	record, err := ext.GetClient(ctx, component.KindExporter, s.id, "queue_shards")
	if err != nil {
		return fmt.Errorf("queue_shards: %w", err)
	}
	defer record.Close(ctx)
	raw, err := record.Get(ctx, shardCountKey)
	if err != nil {
		return fmt.Errorf("queue_shards: reading the recorded count: %w", err)
	}
	recorded := 0
	if raw != nil {
		if recorded, err = strconv.Atoi(string(raw)); err != nil {
			return fmt.Errorf("queue_shards: the recorded count %q: %w", raw, err)
		}
	}
	count := len(s.shards)
	for i := len(s.shards); i < recorded; i++ {
		held, err := queuedRequests(ctx, ext, shardID(s.id, i))
		if err != nil {
			return fmt.Errorf("queue of removed shard %s: %w", shardID(s.id, i), err)
		}
		if held == 0 {
			continue
		}
		// held < 0: the state could not be read; the queue itself may.
		s.logger.Info("A queue of a larger queue_shards holds requests; delivering them",
			zap.String("queue", shardID(s.id, i).String()), zap.Int64("requests", held))
		shard, err := s.newShard(i)
		if err != nil {
			return err
		}
		if err := shard.Start(ctx, host); err != nil {
			return err
		}
		s.draining = append(s.draining, shard)
		count = i + 1
	}
	if count == recorded {
		return nil
	}
	return record.Set(ctx, shardCountKey, []byte(strconv.Itoa(count)))
}

// queuedRequests is how many requests the persistent queue of the exporter
// with id holds in ext, read from the queue's own state; -1 when that state
// cannot be decoded (a format this code does not know), so that the queue
// is started rather than left unread.
func queuedRequests(ctx context.Context, ext storage.Extension, id component.ID) (int64, error) {
	// The client the exporterhelper queue of a logs exporter asks for.
	client, err := ext.GetClient(ctx, component.KindExporter, id, pipeline.SignalLogs.String())
	if err != nil {
		return 0, err
	}
	defer client.Close(ctx)
	raw, err := client.Get(ctx, queuehealth.MetadataKey)
	if err != nil || raw == nil {
		return 0, err
	}
	m, err := queuehealth.DecodeMetadata(raw)
	if err != nil {
		return -1, nil // unreadable means "may hold", not a failure
	}
	return m.Requests(), nil
}

func (s *shardedLogs) Shutdown(ctx context.Context) error {
	var errs []error
	for _, shard := range slices.Concat(s.shards, s.draining) {
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
