package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestShippedConfigsValidate runs `otelcol-paylog validate` on every config
// the repository ships.
func TestShippedConfigsValidate(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: runs the collector binary")
	}
	configs, err := filepath.Glob(filepath.Join(repoRoot(), "config", "*.yaml"))
	require.NoError(t, err)
	configs = append(configs, filepath.Join(repoRoot(), "collector-config.yaml"))
	require.GreaterOrEqual(t, len(configs), 2)
	for _, config := range configs {
		t.Run(filepath.Base(config), func(t *testing.T) {
			out, err := exec.Command(binary, "validate", "--config", config).CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}
