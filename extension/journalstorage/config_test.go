package journalstorage

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/paylog/paylog/extension/journalstorage/internal/metadata"
)

func TestConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	fileQueue := component.MustNewIDWithName("file_storage", "queue")
	for _, tc := range []struct {
		name    string
		want    *Config
		wantErr string
	}{
		{name: "queue", want: &Config{Directory: "./data/queue", Sync: SyncNewKeys, SyncInterval: time.Second, SegmentSizeMiB: 32}},
		{name: "defaults", want: &Config{Directory: "./data/other", Sync: SyncAlways, SyncInterval: time.Second, SegmentSizeMiB: 32}},
		{name: "import", want: &Config{Directory: "./data/queue", Sync: SyncAlways, SyncInterval: 250 * time.Millisecond, SegmentSizeMiB: 8, ImportFrom: &fileQueue}},
		{name: "bad", wantErr: "directory: must be set\n" +
			`sync: must be "always" or "new_keys", got "sometimes"` + "\n" +
			"sync_interval: must be positive, got 0s\n" +
			"segment_size_mib: must be positive, got 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tc.name).String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, cfg)
		})
	}
}
