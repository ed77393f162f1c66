package logstore // import "github.com/paylog/paylog/extension/logstore"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/paylog/paylog/extension/logstore/internal/metadata"
)

// NewFactory returns the logstore extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{
		Backend: BackendEmbedded,
		Embedded: EmbeddedConfig{
			Path:               "./data/logs",
			Retention:          30 * 24 * time.Hour,
			FutureRetention:    48 * time.Hour,
			FlushInterval:      time.Second,
			DurabilityInterval: time.Second,
			MinFreeDiskBytes:   100 << 20,
		},
		Elasticsearch: ElasticsearchConfig{
			Index:           "logs-paylog.otel-default",
			Timeout:         30 * time.Second,
			CursorKeepAlive: 5 * time.Minute,
			MaxResultWindow: 10000,
		},
	}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	c := cfg.(*Config)
	if c.Backend == BackendElasticsearch {
		return newESStore(c, set.Logger), nil
	}
	return newLogStore(c, set.Logger), nil
}
