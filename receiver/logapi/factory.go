package logapi // import "github.com/paylog/paylog/receiver/logapi"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/paylog/paylog/receiver/logapi/internal/metadata"
)

// NewFactory returns the logapi receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		ServerConfig: confighttp.NewDefaultServerConfig(),
		Limits: LimitsConfig{
			MaxBodyBytes:       16 << 20,
			MaxBatchSize:       10_000,
			MaxMessageBytes:    64 << 10,
			MaxFieldBytes:      100,
			MaxMetadataBytes:   64 << 10,
			MaxMetadataKeys:    128,
			MaxTimestampAge:    719 * time.Hour,
			MaxTimestampFuture: 24 * time.Hour,
		},
		RetryAfter: time.Second,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newLogAPIReceiver(cfg.(*Config), set, next)
}
