package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
)

// Config configures the searchapi extension.
type Config struct {
	// ServerConfig is the HTTP server: endpoint (default localhost:8000),
	// TLS, auth, CORS, max_request_body_size and timeouts.
	ServerConfig confighttp.ServerConfig `mapstructure:",squash"`
	// LogStore is the logstore extension to search. Default "logstore".
	LogStore component.ID `mapstructure:"logstore"`
	// SearchTimeout bounds one search request. Default 30s.
	SearchTimeout time.Duration `mapstructure:"search_timeout"`
	// MaxOffset is the largest offset accepted; deeper pages use the cursor.
	// Default 100000.
	MaxOffset int `mapstructure:"max_offset"`
	// Queue names the storage extension holding the exporters' persistent
	// queues (redis_storage); /health then reports its backend and how much
	// the queues hold. Default none.
	Queue *component.ID `mapstructure:"queue"`

	_ struct{}
}

var errNoEndpoint = errors.New("endpoint: must not be empty")

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.ServerConfig.NetAddr.Endpoint == "" {
		errs = append(errs, errNoEndpoint)
	}
	if cfg.LogStore.Type().String() == "" {
		errs = append(errs, errors.New("logstore: must name a logstore extension"))
	}
	if cfg.SearchTimeout <= 0 {
		errs = append(errs, fmt.Errorf("search_timeout: must be positive, got %s", cfg.SearchTimeout))
	}
	if cfg.MaxOffset < 0 {
		errs = append(errs, fmt.Errorf("max_offset: must not be negative, got %d", cfg.MaxOffset))
	}
	return errors.Join(errs...)
}
