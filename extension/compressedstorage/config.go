package compressedstorage // import "github.com/paylog/paylog/extension/compressedstorage"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
)

// Config names the wrapped storage and the compression level.
type Config struct {
	// Storage is the storage extension that holds the compressed values
	// (file_storage/queue, say). Required.
	Storage component.ID `mapstructure:"storage"`
	// Level is the zstd level: fastest (default), default or better.
	Level string `mapstructure:"level"`

	_ struct{}
}

var levels = []string{"fastest", "default", "better"}

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Storage.Type().String() == "" {
		errs = append(errs, errors.New("storage: must name the storage extension to wrap"))
	}
	known := false
	for _, l := range levels {
		known = known || cfg.Level == l
	}
	if !known {
		errs = append(errs, fmt.Errorf("level: must be one of %v, got %q", levels, cfg.Level))
	}
	return errors.Join(errs...)
}
