package logstore

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/paylog/paylog/extension/logstore/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			want: &Config{Backend: "embedded", Embedded: EmbeddedConfig{
				Path: "/var/lib/paylog/logs", Retention: 168 * time.Hour, FutureRetention: 24 * time.Hour,
				MaxDiskUsageBytes: 10 << 30, FlushInterval: 5 * time.Second, MinFreeDiskBytes: 100 << 20,
				DurabilityInterval: 0,
			}, Elasticsearch: createDefaultConfig().(*Config).Elasticsearch},
		},
		{id: component.NewIDWithName(metadata.Type, "bad"), wantErr: `backend: must be "embedded" or "elasticsearch", got "opensearch"`},
		{
			id: component.NewIDWithName(metadata.Type, "es"),
			want: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.Backend = BackendElasticsearch
				cfg.Embedded.Path = ""
				cfg.Elasticsearch = ElasticsearchConfig{
					Endpoints: []string{"https://es-1:9200", "https://es-2:9200"},
					Index:     "logs-paylog.otel-*",
					APIKey:    "c2VjcmV0OmtleQ==",
					Timeout:   10 * time.Second, CursorKeepAlive: 2 * time.Minute, MaxResultWindow: 50000,
				}
				cfg.Elasticsearch.TLS.CAFile = "/etc/paylog/es-ca.pem"
				return cfg
			}(),
		},
		{id: component.NewIDWithName(metadata.Type, "es_bad"), wantErr: "elasticsearch::endpoints: \"es-1:9200\" must be an http:// or https:// URL\n" +
			"elasticsearch::index: must not be empty\n" +
			"elasticsearch::api_key: set api_key or username/password, not both\n" +
			"elasticsearch::timeout: must be positive, got 0s\n" +
			"elasticsearch::cursor_keep_alive: must be at least 1s, got 10ms\n" +
			"elasticsearch::max_result_window: must be positive, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestValidateEmbedded(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Embedded = EmbeddedConfig{Retention: time.Hour, FutureRetention: time.Hour, MaxDiskUsageBytes: -1, FlushInterval: time.Millisecond, MinFreeDiskBytes: -1, DurabilityInterval: 2 * time.Minute}
	assert.EqualError(t, cfg.Validate(), "embedded::path: must not be empty\n"+
		"embedded::retention: must be at least 24h, got 1h0m0s\n"+
		"embedded::future_retention: must be at least 24h, got 1h0m0s\n"+
		"embedded::max_disk_usage_bytes: must not be negative, got -1\n"+
		"embedded::min_free_disk_bytes: must not be negative, got -1\n"+
		"embedded::durability_interval: must be between 0 and 1m, got 2m0s\n"+
		"embedded::flush_interval: must be at least 1s, got 1ms")
	cfg.Embedded.DurabilityInterval = -time.Second
	assert.ErrorContains(t, cfg.Validate(), "embedded::durability_interval: must be between 0 and 1m, got -1s")
}
