package heapfloor // import "github.com/paylog/paylog/extension/heapfloor"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/paylog/paylog/extension/heapfloor/internal/metadata"
)

// NewFactory returns the heapfloor extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{MinHeapGoalMiB: 256}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return &heapFloor{floor: uint64(cfg.(*Config).MinHeapGoalMiB) << 20, logger: set.Logger}, nil
}
