package journalstorage // import "github.com/paylog/paylog/extension/journalstorage"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/paylog/paylog/extension/journalstorage/internal/metadata"
)

// NewFactory returns the journal_storage extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{Sync: SyncAlways, SyncInterval: time.Second, SegmentSizeMiB: 32}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newJournalStorage(cfg.(*Config), set.Logger), nil
}
