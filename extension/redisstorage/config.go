package redisstorage // import "github.com/paylog/paylog/extension/redisstorage"

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
)

// Config configures the Redis connection and the key layout.
type Config struct {
	// Endpoint is the Redis server's host:port. Default localhost:6379.
	Endpoint string `mapstructure:"endpoint"`
	// Username and Password authenticate (Redis 6 ACL; Password alone for
	// requirepass).
	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
	// DB is the Redis database number. Default 0.
	DB int `mapstructure:"db"`
	// TLS configures TLS; default: plain TCP (insecure: true).
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// Prefix starts every key, so that several collectors (or environments)
	// can share one Redis: give each collector its own. Default "paylog".
	Prefix string `mapstructure:"prefix"`
	// DialTimeout bounds connecting; ReadTimeout and WriteTimeout bound one
	// command. While Redis is unreachable, writes fail after about these
	// (ingest answers 503), so keep them short. Defaults 500ms, 1s, 1s.
	DialTimeout  time.Duration `mapstructure:"dial_timeout"`
	ReadTimeout  time.Duration `mapstructure:"read_timeout"`
	WriteTimeout time.Duration `mapstructure:"write_timeout"`
	// Expiration, when set, makes every key expire that long after it was
	// last written. Default 0: keys never expire — a queue must not forget
	// items because the backend was down for long.
	Expiration time.Duration `mapstructure:"expiration"`

	_ struct{}
}

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(cfg.Endpoint); err != nil {
		errs = append(errs, fmt.Errorf("endpoint: %q is not host:port: %w", cfg.Endpoint, err))
	}
	if cfg.DB < 0 {
		errs = append(errs, fmt.Errorf("db: must not be negative, got %d", cfg.DB))
	}
	if strings.TrimSpace(cfg.Prefix) == "" {
		errs = append(errs, errors.New("prefix: must not be empty (it keeps collectors sharing a Redis apart)"))
	}
	if cfg.DialTimeout <= 0 || cfg.ReadTimeout <= 0 || cfg.WriteTimeout <= 0 {
		errs = append(errs, errors.New("dial_timeout, read_timeout and write_timeout: must be positive"))
	}
	if cfg.Expiration < 0 {
		errs = append(errs, fmt.Errorf("expiration: must not be negative, got %s", cfg.Expiration))
	} else if cfg.Expiration > 0 && cfg.Expiration < time.Millisecond {
		errs = append(errs, fmt.Errorf("expiration: Redis counts in milliseconds, got %s", cfg.Expiration))
	}
	return errors.Join(errs...)
}
