package logstore

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	load := func(id string) *Config {
		sub, err := cm.Sub(id)
		require.NoError(t, err)
		cfg := createDefaultConfig().(*Config)
		require.NoError(t, sub.Unmarshal(cfg))
		require.NoError(t, confmap.Validate(cfg))
		return cfg
	}
	assert.Equal(t, createDefaultConfig(), load("logstore"))

	cfg := load("logstore/queued")
	assert.Equal(t, component.MustNewIDWithName("logstore", "main"), cfg.LogStore)
	assert.Equal(t, 10*time.Second, cfg.TimeoutConfig.Timeout)
	require.True(t, cfg.QueueConfig.HasValue())
	q := cfg.QueueConfig.Get()
	assert.Equal(t, component.MustNewID("file_storage"), *q.StorageID)
	assert.Equal(t, 8, q.NumConsumers)
	assert.Equal(t, 4, cfg.QueueShards)
}

func TestValidateQueueShards(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.QueueShards = 0
	assert.EqualError(t, cfg.Validate(), "queue_shards: must be between 1 and 64, got 0")
	cfg.QueueShards = 2
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	assert.EqualError(t, cfg.Validate(), "queue_shards: needs sending_queue enabled")
}
