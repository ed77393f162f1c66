package logstore // import "github.com/paylog/paylog/extension/logstore"

import (
	"errors"
	"fmt"
	"time"
)

// BackendEmbedded is the embedded store: logs in a local directory.
const BackendEmbedded = "embedded"

// Config configures the logstore extension.
type Config struct {
	// Backend selects the store. Only "embedded" (the default) is available.
	Backend string `mapstructure:"backend"`
	// Embedded configures the embedded store.
	Embedded EmbeddedConfig `mapstructure:"embedded"`

	_ struct{}
}

// EmbeddedConfig configures the embedded store.
type EmbeddedConfig struct {
	// Path is the data directory, created when missing. Default "./data/logs",
	// relative to the working directory.
	Path string `mapstructure:"path"`
	// Retention is how long logs are kept; whole days older than this are
	// dropped. Default 720h (30 days); at least 24h.
	Retention time.Duration `mapstructure:"retention"`
	// FutureRetention is how far ahead of now a record's timestamp may be.
	// Default 48h; at least 24h.
	FutureRetention time.Duration `mapstructure:"future_retention"`
	// MaxDiskUsageBytes drops the oldest days while the store is larger than
	// this. Default 0: no limit besides retention.
	MaxDiskUsageBytes int64 `mapstructure:"max_disk_usage_bytes"`
	// FlushInterval is how often buffered rows reach disk when no writer
	// asks for a durability point. Default 1s; at least 1s.
	FlushInterval time.Duration `mapstructure:"flush_interval"`
	// MinFreeDiskBytes makes the store refuse writes (they stay queued and
	// are retried; ingest answers 503 once the queue is full) while the disk
	// has less free space. Default 104857600 (100 MiB); 0 disables.
	MinFreeDiskBytes int64 `mapstructure:"min_free_disk_bytes"`
}

var (
	errUnknownBackend = errors.New(`backend: must be "embedded"`)
	errNoPath         = errors.New("embedded::path: must not be empty")
)

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	if cfg.Backend != BackendEmbedded {
		return fmt.Errorf("%w, got %q", errUnknownBackend, cfg.Backend)
	}
	e := cfg.Embedded
	var errs []error
	if e.Path == "" {
		errs = append(errs, errNoPath)
	}
	if e.Retention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("embedded::retention: must be at least 24h, got %s", e.Retention))
	}
	if e.FutureRetention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("embedded::future_retention: must be at least 24h, got %s", e.FutureRetention))
	}
	if e.MaxDiskUsageBytes < 0 {
		errs = append(errs, fmt.Errorf("embedded::max_disk_usage_bytes: must not be negative, got %d", e.MaxDiskUsageBytes))
	}
	if e.MinFreeDiskBytes < 0 {
		errs = append(errs, fmt.Errorf("embedded::min_free_disk_bytes: must not be negative, got %d", e.MinFreeDiskBytes))
	}
	if e.FlushInterval < time.Second {
		errs = append(errs, fmt.Errorf("embedded::flush_interval: must be at least 1s, got %s", e.FlushInterval))
	}
	return errors.Join(errs...)
}
