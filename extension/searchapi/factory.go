package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/extension"

	"github.com/paylog/paylog/extension/searchapi/internal/metadata"
)

// NewFactory returns the searchapi extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = "localhost:8000"
	return &Config{
		ServerConfig:  server,
		LogStore:      component.MustNewID("logstore"),
		SearchTimeout: 30 * time.Second,
		MaxOffset:     100_000,
	}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newSearchAPI(cfg.(*Config), set), nil
}
