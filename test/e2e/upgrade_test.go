package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileStorageQueueConfig is the default config as it was before the queue
// moved to journal_storage: the queue on file_storage with fsync.
func fileStorageQueueConfig(t *testing.T) string {
	return defaultConfigWith(t, "file-storage-queue.yaml", map[string]string{
		"    storage: journal_storage/queue\n":                                              "    storage: file_storage/queue\n",
		"searchapi, journal_storage/queue, file_storage":                                    "searchapi, file_storage",
		"    directory: ${env:PAYLOG_DATA_DIR:-./data}/queue\n    create_directory: true\n": "    directory: ${env:PAYLOG_DATA_DIR:-./data}/queue\n    create_directory: true\n    fsync: true\n",
	})
}

// TestUpgradeKeepsTheFileStorageQueue runs the collector with its queue on
// file_storage, kills it with SIGKILL mid-ingest (the queue holds what the
// store has not yet confirmed), starts the current default config on the
// same data directory and finds every acknowledged entry: journal_storage
// took the queue over (import_from) instead of starting an empty one.
func TestUpgradeKeepsTheFileStorageQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: starts the collector binary")
	}
	dataDir := t.TempDir()
	old := startCollectorWith(t, dataDir, fileStorageQueueConfig(t))
	var (
		ackedMu sync.Mutex
		acked   = map[string]bool{}
		count   atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	httpClient := &http.Client{Timeout: 30 * time.Second}
	for client := range 6 {
		wg.Go(func() {
			postDurabilityBatches(old, httpClient, 9, client, 500, &stop, func(tokens []string) {
				ackedMu.Lock()
				for _, tok := range tokens {
					acked[tok] = true
				}
				ackedMu.Unlock()
				count.Add(500)
			})
		})
	}
	deadline := time.Now().Add(2 * time.Minute)
	for count.Load() < 20_000 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.GreaterOrEqual(t, count.Load(), int64(20_000), "ingest too slow; log:\n%s", old.log())
	old.kill9()
	stop.Store(true)
	wg.Wait()

	c := startCollector(t, dataDir)
	imported := importedKeys(t, c)
	require.Greater(t, imported, 1, "the file_storage queue held requests at the kill (more than its state record); log:\n%s", c.log())
	missing, _ := c.missingTokens(t, acked, time.Minute)
	t.Logf("%d entries acknowledged on file_storage; %d queue keys imported", len(acked), imported)
	assert.Empty(t, missing, "%d of %d acknowledged entries were lost in the upgrade; log:\n%s", len(missing), len(acked), c.log())
}

// importedKeys reads the number of keys journal_storage imported from the
// collector's logs: every start's, since a start that found a port taken
// has imported already when the next one starts.
func importedKeys(t *testing.T, c *collector) int {
	t.Helper()
	for _, line := range strings.Split(c.logsOfEveryStart(t), "\n") {
		var entry struct {
			Msg  string `json:"msg"`
			Keys int    `json:"keys"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "Imported a client's keys into its journal" {
			return entry.Keys
		}
	}
	t.Fatalf("journal_storage logged no import; log:\n%s", c.log())
	return 0
}
