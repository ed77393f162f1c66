package goruntime // import "github.com/paylog/paylog/extension/goruntime"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/paylog/paylog/extension/goruntime/internal/metadata"
)

// NewFactory returns the go_runtime extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{MinHeapGoalMiB: 256, ExtraProcs: 1}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	c := cfg.(*Config)
	return &goRuntime{floor: uint64(c.MinHeapGoalMiB) << 20, extraProcs: c.ExtraProcs, logger: set.Logger}, nil
}
