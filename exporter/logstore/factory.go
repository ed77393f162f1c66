package logstore // import "github.com/paylog/paylog/exporter/logstore"

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exporterhelper/xexporterhelper"

	"github.com/paylog/paylog/exporter/logstore/internal/metadata"
)

// NewFactory returns the logstore exporter factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(metadata.Type, createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		LogStore:      component.MustNewID("logstore"),
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		QueueShards:   1,
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e := newLogStoreExporter(c)
	shards := max(c.QueueShards, 1)
	queue := c.QueueConfig
	if q := queue.Get(); q != nil && shards > 1 {
		share := *q
		share.NumConsumers = ceilDiv(q.NumConsumers, shards)
		share.QueueSize = int64(ceilDiv(int(q.QueueSize), shards))
		queue = configoptional.Some(share)
	}
	telemetry, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	encoding := rowsEncoding{logger: set.Logger, telemetry: telemetry}
	newShard := func(i int) (exporter.Logs, error) {
		shardSet := set
		shardSet.ID = shardID(set.ID, i)
		return xexporterhelper.NewLogsRequest(ctx, shardSet, convertLogs, e.pushRows,
			exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
			exporterhelper.WithTimeout(c.TimeoutConfig),
			exporterhelper.WithRetry(c.RetryConfig),
			xexporterhelper.WithQueueBatch(queue, xexporterhelper.QueueBatchSettings{Encoding: encoding}),
			exporterhelper.WithStart(e.start),
		)
	}
	sharded := &shardedLogs{inFlight: make([]atomic.Int32, shards), id: set.ID, newShard: newShard, logger: set.Logger}
	if q := queue.Get(); q != nil {
		sharded.storage = q.StorageID
	}
	for i := range shards {
		shard, err := newShard(i)
		if err != nil {
			return nil, err
		}
		sharded.shards = append(sharded.shards, shard)
	}
	if shards == 1 && sharded.storage == nil {
		// Nothing persists: no queue of a larger count to deliver.
		return sharded.shards[0], nil
	}
	return sharded, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
