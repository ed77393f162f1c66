package redisstorage // import "github.com/paylog/paylog/extension/redisstorage"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/extension"

	"github.com/paylog/paylog/extension/redisstorage/internal/metadata"
)

// NewFactory returns the redis_storage extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{
		Endpoint:     "localhost:6379",
		TLS:          configtls.ClientConfig{Insecure: true},
		Prefix:       "paylog",
		DialTimeout:  500 * time.Millisecond,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
	}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newRedisStorage(cfg.(*Config), set), nil
}
