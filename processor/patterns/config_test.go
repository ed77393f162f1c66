package patterns

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
	cfg, err := load("patterns")
	require.NoError(t, err)
	assert.Equal(t, createDefaultConfig(), cfg)

	cfg, err = load("patterns/custom")
	require.NoError(t, err)
	storage := component.MustNewIDWithName("file_storage", "patterns")
	assert.Equal(t, &Config{Levels: []string{"ERROR", "critical"}, Similarity: 0.6, MaxPatterns: 500, MaxTokens: 128,
		MaxMessageBytes: 4096, GroupBy: "service.name", Storage: &storage, SaveInterval: 5 * time.Second, TemplateAttribute: TemplateOnChange}, cfg)

	_, err = load("patterns/bad")
	assert.EqualError(t, err, "levels: \"LOUD\" is not a level (DEBUG, INFO, WARNING, ERROR, CRITICAL)\nsimilarity: must be in (0, 1], got 1.5\ntemplate_attribute: must be every_record or on_change, got \"sometimes\"")
}
