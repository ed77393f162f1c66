package searchapi

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
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
	cfg, err := load("searchapi")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)
	assert.Equal(t, "localhost:8000", cfg.ServerConfig.NetAddr.Endpoint)

	cfg, err = load("searchapi/custom")
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:9000", cfg.ServerConfig.NetAddr.Endpoint)
	assert.Equal(t, component.MustNewIDWithName("logstore", "archive"), cfg.LogStore)
	assert.Equal(t, 5*time.Second, cfg.SearchTimeout)
	assert.Equal(t, 5000, cfg.MaxOffset)

	_, err = load("searchapi/bad")
	assert.EqualError(t, err, "endpoint: must not be empty\nsearch_timeout: must be positive, got 0s")
}
