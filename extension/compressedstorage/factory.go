package compressedstorage // import "github.com/paylog/paylog/extension/compressedstorage"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/paylog/paylog/extension/compressedstorage/internal/metadata"
)

// NewFactory returns the compressed_storage extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{Codec: codecZstd, Level: "fastest"}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newCompressedStorage(cfg.(*Config), set.Logger)
}
