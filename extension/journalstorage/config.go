package journalstorage // import "github.com/paylog/paylog/extension/journalstorage"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Sync policies.
const (
	// SyncAlways fsyncs every write before it returns.
	SyncAlways = "always"
	// SyncNewKeys fsyncs a write that adds a key before it returns; a write
	// that only changes or deletes keys is fsynced with the next write that
	// adds one, or within sync_interval.
	SyncNewKeys = "new_keys"
)

// Config configures where the journals live and when they are fsynced.
type Config struct {
	// Directory holds one subdirectory per client. Required; created when
	// missing.
	Directory string `mapstructure:"directory"`
	// Sync is when writes are fsynced: "always" (default) or "new_keys".
	// A persistent sending_queue adds a key for each request it accepts
	// and only changes or deletes keys when it reads or finishes one, so
	// with new_keys every accepted request is on disk before the queue
	// says so, and a machine crash can only bring back requests already
	// sent (sent again: at least once).
	Sync string `mapstructure:"sync"`
	// SyncInterval bounds how long a write not fsynced at once (sync:
	// new_keys) waits for one. Default 1s.
	SyncInterval time.Duration `mapstructure:"sync_interval"`
	// SegmentSizeMiB is the size at which a journal starts a new segment
	// file; a segment is removed once nothing in it is live. Default 32.
	SegmentSizeMiB int `mapstructure:"segment_size_mib"`
	// ImportFrom names a storage extension whose clients can list their
	// keys (file_storage can) to take over: a client's journal that does
	// not exist yet starts with everything the same client holds there,
	// which is then deleted there. Optional; for moving a persistent queue
	// from file_storage without losing what it holds.
	ImportFrom *component.ID `mapstructure:"import_from"`

	_ struct{}
}

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Directory == "" {
		errs = append(errs, errors.New("directory: must be set"))
	}
	if cfg.Sync != SyncAlways && cfg.Sync != SyncNewKeys {
		errs = append(errs, fmt.Errorf("sync: must be %q or %q, got %q", SyncAlways, SyncNewKeys, cfg.Sync))
	}
	if cfg.SyncInterval <= 0 {
		errs = append(errs, fmt.Errorf("sync_interval: must be positive, got %s", cfg.SyncInterval))
	}
	if cfg.SegmentSizeMiB <= 0 {
		errs = append(errs, fmt.Errorf("segment_size_mib: must be positive, got %d", cfg.SegmentSizeMiB))
	}
	return errors.Join(errs...)
}
