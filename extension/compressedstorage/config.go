package compressedstorage // import "github.com/paylog/paylog/extension/compressedstorage"

import (
	"errors"
	"fmt"
	"slices"

	"go.opentelemetry.io/collector/component"
)

// Config names the wrapped storage, the codec and its level.
type Config struct {
	// Storage is the storage extension that holds the compressed values
	// (file_storage/queue, say). Required.
	Storage component.ID `mapstructure:"storage"`
	// Codec is zstd (default: smaller values) or s2 (about twice as fast,
	// values about 1.6 times as large). Values keep the codec they were
	// written with, so it can change while a queue holds items.
	Codec string `mapstructure:"codec"`
	// Level is the codec's level: fastest (default), default or better.
	Level string `mapstructure:"level"`

	_ struct{}
}

var (
	codecs = []string{codecZstd, codecS2}
	levels = []string{"fastest", "default", "better"}
)

const (
	codecZstd = "zstd"
	codecS2   = "s2"
)

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Storage.Type().String() == "" {
		errs = append(errs, errors.New("storage: must name the storage extension to wrap"))
	}
	if !slices.Contains(codecs, cfg.Codec) {
		errs = append(errs, fmt.Errorf("codec: must be one of %v, got %q", codecs, cfg.Codec))
	}
	if !slices.Contains(levels, cfg.Level) {
		errs = append(errs, fmt.Errorf("level: must be one of %v, got %q", levels, cfg.Level))
	}
	return errors.Join(errs...)
}
