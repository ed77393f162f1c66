package e2e

import (
	"os"
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
			cmd := exec.Command(binary, "validate", "--config", config)
			// config/tenants.yaml takes its tokens from the environment.
			cmd.Env = append(os.Environ(), "PAYLOG_TOKEN_TEAM_A="+tokenTeamA, "PAYLOG_TOKEN_TEAM_B="+tokenTeamB)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}
