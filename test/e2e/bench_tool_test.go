package e2e

import (
	"time"

	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPaylogBenchTool runs cmd/paylog-bench, small, against the collector on
// its default config and checks its JSON report against what the run did.
func TestPaylogBenchTool(t *testing.T) {
	dataDir := t.TempDir()
	c := startCollector(t, dataDir)
	tool := filepath.Join(t.TempDir(), "paylog-bench")
	build := exec.Command("go", "build", "-o", tool, "./cmd/paylog-bench")
	build.Dir = repoRoot()
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	cmd := exec.Command(tool, "-url", c.url(""), "-logs", "5000", "-batch", "500", "-clients", "2", "-format", "ndjson",
		"-single-rate", "100", "-single-duration", "1s", "-searches", "3", "-json",
		"-telemetry-url", "http://"+c.telemetry+"/metrics", "-data-dir", dataDir, "-settle", "12s")
	stdout, err := cmd.Output()
	require.NoError(t, err, "paylog-bench failed: %s", stdout)

	var report struct {
		BatchIngest struct {
			Logs, Batches, Errors int
			Accepted              int64
			Stored                bool
			AckedLogsPerSec       float64             `json:"acked_logs_per_sec"`
			StoredLogsPerSec      float64             `json:"stored_logs_per_sec"`
			Latency               struct{ Count int } `json:"batch_latency"`
		} `json:"batch_ingest"`
		Single struct {
			Requests, Errors int
			Latency          struct {
				Count int
				P95   float64 `json:"p95_ms"`
			}
		} `json:"single_ingest"`
		Searches []struct {
			Name         string
			Runs, Errors int
			Hits         int64
			Latency      struct{ Count int }
		}
		Server struct {
			RSSBytes  int64   `json:"rss_bytes"`
			DataBytes int64   `json:"data_bytes"`
			DataToRaw float64 `json:"data_to_raw_json"`
			Settled   int64   `json:"settled_data_bytes"`
			SettledAt float64 `json:"settled_after_sec"`
		}
	}
	require.NoError(t, json.Unmarshal(stdout, &report), "%s", stdout)
	b := report.BatchIngest
	assert.Equal(t, 5000, b.Logs)
	assert.Equal(t, 10, b.Batches)
	assert.EqualValues(t, 5000, b.Accepted)
	assert.Zero(t, b.Errors)
	assert.True(t, b.Stored)
	assert.Equal(t, 10, b.Latency.Count)
	assert.Positive(t, b.AckedLogsPerSec)
	assert.LessOrEqual(t, b.StoredLogsPerSec, b.AckedLogsPerSec, "stored comes after acknowledged")

	assert.Equal(t, 100, report.Single.Requests)
	assert.Zero(t, report.Single.Errors)
	assert.Equal(t, 100, report.Single.Latency.Count)

	names := map[string]int64{}
	for _, s := range report.Searches {
		assert.Zero(t, s.Errors, s.Name)
		assert.Equal(t, 3, s.Latency.Count, s.Name)
		names[s.Name] = s.Hits
	}
	assert.Len(t, names, 5)
	assert.Positive(t, names["term + level"])
	assert.Positive(t, names["service + last hour"])
	assert.Positive(t, names["trace id"], "a trace id of the workload is found")
	assert.Positive(t, names["patterns 24h"])

	assert.Positive(t, report.Server.RSSBytes)
	assert.Positive(t, report.Server.DataBytes)
	assert.Positive(t, report.Server.DataToRaw)
	// The settled size is the smallest seen within -settle: at most the
	// size right after the run.
	assert.Positive(t, report.Server.Settled)
	assert.LessOrEqual(t, report.Server.Settled, report.Server.DataBytes)
	assert.LessOrEqual(t, report.Server.SettledAt, 12.0)
	// The store ends up with exactly what the tool sent: the single
	// requests' entries are searchable a moment after their answers (the
	// queue merges them into batches).
	var total int64
	require.Eventually(t, func() bool {
		total = int64(c.search(t, nil).TotalCount)
		return total >= 5100
	}, 10*time.Second, 50*time.Millisecond, "entries stored: %d", total)
	assert.EqualValues(t, 5100, total)
}
