package redisstorage

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	load := func(id string) (*Config, error) {
		sub, err := cm.Sub(id)
		require.NoError(t, err)
		cfg := createDefaultConfig().(*Config)
		require.NoError(t, sub.Unmarshal(cfg))
		return cfg, confmap.Validate(cfg)
	}
	cfg, err := load("redis_storage")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)

	cfg, err = load("redis_storage/custom")
	require.NoError(t, err)
	assert.Equal(t, &Config{
		Endpoint: "redis.internal:6380", Username: "paylog", Password: configopaque.String("s3cret"), DB: 2,
		TLS:    configtls.ClientConfig{Config: configtls.Config{CAFile: "/etc/ssl/redis-ca.pem"}},
		Prefix: "gateway-1", DialTimeout: 250 * time.Millisecond, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		Expiration: 168 * time.Hour,
	}, cfg)
	assert.Equal(t, "[REDACTED]", cfg.Password.String(), "the password never reaches logs")

	_, err = load("redis_storage/bad")
	require.Error(t, err)
	for _, field := range []string{"endpoint:", "db:", "prefix:", "read_timeout", "expiration:"} {
		assert.ErrorContains(t, err, field)
	}
}
