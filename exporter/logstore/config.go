package logstore // import "github.com/paylog/paylog/exporter/logstore"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Config configures the logstore exporter.
type Config struct {
	// LogStore is the logstore extension to write into. Default "logstore".
	LogStore component.ID `mapstructure:"logstore"`
	// TimeoutConfig bounds one write, durability point included. Default 30s.
	TimeoutConfig exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// QueueConfig is the sending queue. Set storage to a storage extension
	// (file_storage with fsync, or redis_storage) to make it persistent: that
	// is what lets receivers acknowledge before the store has written.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// QueueShards splits the sending queue into this many queues, each with
	// its own share of queue_size and num_consumers; a request goes to the
	// one with the fewest requests being added. The persistent queue
	// encodes, compresses and writes each request under one lock, which
	// ingest requests otherwise wait for in turn. Shard 0 keeps the
	// exporter's id (and so the queue an earlier version left); shard i
	// stores its queue under "<id>-queue-<i>" ("logstore/queue-1").
	// After a lowering, the removed shards that still hold requests
	// deliver them (and take no new ones). Default 1.
	QueueShards int `mapstructure:"queue_shards"`
	// RetryConfig retries writes that failed (store not running, disk errors).
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	_ struct{}
}

var errNoLogStore = errors.New("logstore: must name a logstore extension")

// maxQueueShards bounds queue_shards: past the machine's cores more queues
// only add files and consumers.
const maxQueueShards = 64

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	if cfg.LogStore.Type().String() == "" {
		return errNoLogStore
	}
	if cfg.QueueShards < 1 || cfg.QueueShards > maxQueueShards {
		return fmt.Errorf("queue_shards: must be between 1 and %d, got %d", maxQueueShards, cfg.QueueShards)
	}
	if cfg.QueueShards > 1 && !cfg.QueueConfig.HasValue() {
		return errors.New("queue_shards: needs sending_queue enabled")
	}
	return nil
}
