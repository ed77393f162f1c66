package logapi // import "github.com/paylog/paylog/receiver/logapi"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
)

// Config configures the logapi receiver. Set exactly one of endpoint (its
// own HTTP server) and mount_on (routes on a searchapi extension's server).
type Config struct {
	// ServerConfig is the receiver's own HTTP server, used when endpoint is
	// set: TLS, auth, CORS, max_request_body_size (compressed) and timeouts.
	ServerConfig confighttp.ServerConfig `mapstructure:",squash"`
	// MountOn names a searchapi extension whose server serves the ingest
	// routes, so one port serves ingest and search.
	MountOn *component.ID `mapstructure:"mount_on"`
	// Limits bounds what one request may carry.
	Limits LimitsConfig `mapstructure:"limits"`
	// RateLimit bounds each client's entries per second (429 beyond it).
	RateLimit RateLimitConfig `mapstructure:"rate_limit"`
	// RetryAfter is the Retry-After sent with 503 when the pipeline refuses
	// data (queue full, memory limit). Default 1s.
	RetryAfter time.Duration `mapstructure:"retry_after"`

	_ struct{}
}

// LimitsConfig bounds request and entry sizes; input over a limit is
// rejected with a 4xx naming it, never truncated.
type LimitsConfig struct {
	// MaxBodyBytes caps the request body after decompression. Default 16 MiB.
	MaxBodyBytes int64 `mapstructure:"max_body_bytes"`
	// MaxBatchSize caps the entries of one batch. Default 10000.
	MaxBatchSize int `mapstructure:"max_batch_size"`
	// MaxMessageBytes caps one message. Default 65536.
	MaxMessageBytes int `mapstructure:"max_message_bytes"`
	// MaxFieldBytes caps source, service and each metadata key. Default 256.
	MaxFieldBytes int `mapstructure:"max_field_bytes"`
	// MaxMetadataBytes caps one entry's metadata, as JSON. Default 65536.
	MaxMetadataBytes int `mapstructure:"max_metadata_bytes"`
	// MaxMetadataKeys caps the keys of one entry's metadata, nested keys
	// included. Default 128.
	MaxMetadataKeys int `mapstructure:"max_metadata_keys"`
	// MaxTimestampAge rejects entries older than this: the store would drop
	// them for being past retention. Keep it under the store's retention.
	// Default 719h (the embedded store keeps 720h); 0 disables the check.
	MaxTimestampAge time.Duration `mapstructure:"max_timestamp_age"`
	// MaxTimestampFuture rejects entries this far in the future. Default 24h;
	// 0 disables the check.
	MaxTimestampFuture time.Duration `mapstructure:"max_timestamp_future"`
}

var (
	errEndpointOrMount = errors.New("set exactly one of endpoint (own server) and mount_on (a searchapi extension)")
	errLimitPositive   = "limits::%s: must be positive, got %d"
)

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if (cfg.ServerConfig.NetAddr.Endpoint == "") == (cfg.MountOn == nil) {
		errs = append(errs, errEndpointOrMount)
	}
	l := cfg.Limits
	for name, v := range map[string]int64{
		"max_body_bytes":     l.MaxBodyBytes,
		"max_batch_size":     int64(l.MaxBatchSize),
		"max_message_bytes":  int64(l.MaxMessageBytes),
		"max_field_bytes":    int64(l.MaxFieldBytes),
		"max_metadata_bytes": int64(l.MaxMetadataBytes),
		"max_metadata_keys":  int64(l.MaxMetadataKeys),
	} {
		if v <= 0 {
			errs = append(errs, fmt.Errorf(errLimitPositive, name, v))
		}
	}
	if l.MaxFieldBytes > maxStoredFieldBytes {
		errs = append(errs, fmt.Errorf("limits::max_field_bytes: at most %d, got %d", maxStoredFieldBytes, l.MaxFieldBytes))
	}
	if l.MaxMessageBytes > maxStoredMessageBytes || l.MaxMetadataBytes > maxStoredMessageBytes {
		errs = append(errs, fmt.Errorf("limits::max_message_bytes and max_metadata_bytes: at most %d", maxStoredMessageBytes))
	}
	if l.MaxTimestampAge < 0 || l.MaxTimestampFuture < 0 {
		errs = append(errs, errors.New("limits::max_timestamp_age and max_timestamp_future: must not be negative"))
	}
	if cfg.RetryAfter <= 0 {
		errs = append(errs, fmt.Errorf("retry_after: must be positive, got %s", cfg.RetryAfter))
	}
	if rl := cfg.RateLimit; rl.EntriesPerSecond < 0 || rl.Burst < 0 {
		errs = append(errs, errors.New("rate_limit::entries_per_second and burst: must not be negative"))
	} else if rl.Burst > 0 && rl.Burst < l.MaxBatchSize {
		// A full batch would wait for a bucket it can never fill.
		errs = append(errs, fmt.Errorf("rate_limit::burst: at least limits::max_batch_size (%d), got %d", l.MaxBatchSize, rl.Burst))
	}
	return errors.Join(errs...)
}

// Ceilings set by the embedded store: a row must stay under 2 MiB and a
// field name under 128 bytes ("metadata." plus the key).
const (
	maxStoredFieldBytes   = 100
	maxStoredMessageBytes = 512 << 10
)
