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
	"google.golang.org/protobuf/encoding/protowire"
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

func TestDecodeQueueMetadata(t *testing.T) {
	// The persistent queue's state as proto3 encodes it (meta.proto).
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 4200)
	b = protowire.AppendTag(b, 2, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 1<<20)
	b = protowire.AppendTag(b, 3, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 10)
	b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 13)
	var dispatched []byte
	dispatched = protowire.AppendFixed64(dispatched, 8)
	dispatched = protowire.AppendFixed64(dispatched, 9)
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	b = protowire.AppendBytes(b, dispatched)

	m, err := decodeQueueMetadata(b)
	require.NoError(t, err)
	assert.Equal(t, queueMetadata{items: 4200, readIndex: 10, writeIndex: 13, dispatched: 2}, m)

	_, err = decodeQueueMetadata(b[:len(b)-3])
	assert.Error(t, err, "a cut message is an error")
}
