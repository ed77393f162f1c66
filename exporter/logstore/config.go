package logstore // import "github.com/paylog/paylog/exporter/logstore"

import (
	"errors"

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
	// RetryConfig retries writes that failed (store not running, disk errors).
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	_ struct{}
}

var errNoLogStore = errors.New("logstore: must name a logstore extension")

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	if cfg.LogStore.Type().String() == "" {
		return errNoLogStore
	}
	return nil
}
