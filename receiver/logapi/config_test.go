package logapi

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/paylog/paylog/receiver/logapi/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig(t, "mounted")
	require.NoError(t, err)
	want := createDefaultConfig().(*Config)
	id := component.MustNewID("searchapi")
	want.MountOn = &id
	assert.Equal(t, want, cfg)

	cfg, err = loadConfig(t, "own")
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:8080", cfg.ServerConfig.NetAddr.Endpoint)
	assert.Nil(t, cfg.MountOn)
	assert.Equal(t, LimitsConfig{
		MaxBodyBytes: 1 << 20, MaxBatchSize: 500, MaxMessageBytes: 4096, MaxFieldBytes: 100,
		MaxMetadataBytes: 64 << 10, MaxMetadataKeys: 128, MaxTimestampAge: 0, MaxTimestampFuture: 24 * time.Hour,
	}, cfg.Limits)
	assert.Equal(t, 5*time.Second, cfg.RetryAfter)
}

func TestConfigErrors(t *testing.T) {
	for name, want := range map[string]string{
		"neither":    "set exactly one of endpoint (own server) and mount_on (a searchapi extension)",
		"both":       "set exactly one of endpoint (own server) and mount_on (a searchapi extension)",
		"bad_limits": "limits::max_batch_size: must be positive, got 0",
	} {
		_, err := loadConfig(t, name)
		assert.ErrorContains(t, err, want, name)
	}
	_, err := loadConfig(t, "bad_limits")
	assert.ErrorContains(t, err, "limits::max_field_bytes: at most 100, got 500")
}
