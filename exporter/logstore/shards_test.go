package logstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/exporter/logstore/internal/metadata"
	"github.com/paylog/paylog/extension/journalstorage"
	logstoreext "github.com/paylog/paylog/extension/logstore"
	"github.com/paylog/paylog/internal/hosttest"
	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/queuehealth"
)

// Test ids of the journal, the store and the exporter.
var (
	testJournalID  = component.MustNewID("journal_storage")
	testStoreID    = component.MustNewID("logstore")
	testExporterID = component.MustNewID("logstore")
)

// testStorage is a journal_storage and an embedded logstore under dir, as
// factories and configs, so that a test can start them more than once.
type testStorage struct {
	journalFactory, storeFactory extension.Factory
	journalCfg                   *journalstorage.Config
	storeCfg                     *logstoreext.Config
}

func newTestStorage(t *testing.T, dir string) testStorage {
	ts := testStorage{journalFactory: journalstorage.NewFactory(), storeFactory: logstoreext.NewFactory()}
	ts.journalCfg = ts.journalFactory.CreateDefaultConfig().(*journalstorage.Config)
	ts.journalCfg.Directory = filepath.Join(dir, "queue")
	require.NoError(t, os.Mkdir(ts.journalCfg.Directory, 0o755))
	ts.storeCfg = ts.storeFactory.CreateDefaultConfig().(*logstoreext.Config)
	ts.storeCfg.Embedded.Path = filepath.Join(dir, "logs")
	return ts
}

func createExtension(t *testing.T, f extension.Factory, id component.ID, cfg component.Config) extension.Extension {
	ext, err := f.Create(context.Background(), extension.Settings{ID: id, TelemetrySettings: componenttest.NewNopTelemetrySettings()}, cfg)
	require.NoError(t, err)
	return ext
}

// startedExtension is ext, started on a host of nothing and shut down when
// the test ends.
func startedExtension(t *testing.T, ext extension.Extension) extension.Extension {
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { assert.NoError(t, ext.Shutdown(context.Background())) })
	return ext
}

// startExporter creates and starts the exporter with its queue on the
// journal, on a host holding journal and store.
func startExporter(t *testing.T, cfg *Config, journal, store component.Component) exporter.Logs {
	cfg.QueueConfig.Get().StorageID = &testJournalID
	require.NoError(t, cfg.Validate())
	set := exportertest.NewNopSettings(metadata.Type)
	set.ID = testExporterID
	exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	host := hosttest.WithExtensions(map[component.ID]component.Component{testStoreID: store, testJournalID: journal})
	require.NoError(t, exp.Start(context.Background(), host))
	return exp
}

// numberedRequest is request r of n records with bodies naming both.
func numberedRequest(r, n int) plog.Logs {
	ld := plog.NewLogs()
	records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range n {
		rec := records.AppendEmpty()
		rec.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		rec.Body().SetStr("request " + strconv.Itoa(r) + " record " + strconv.Itoa(i))
	}
	return ld
}

// With queue_shards: 3 every request reaches the store, and the shards keep
// their queues apart: three journal clients, the first under the exporter's
// own id so that the queue an unsharded exporter left is still read.
func TestShardedQueuesDeliverEverything(t *testing.T) {
	ctx := context.Background()
	ts := newTestStorage(t, t.TempDir())
	store := startedExtension(t, createExtension(t, ts.storeFactory, testStoreID, ts.storeCfg))
	journal := startedExtension(t, createExtension(t, ts.journalFactory, testJournalID, ts.journalCfg))

	cfg := createDefaultConfig().(*Config)
	cfg.QueueShards = 3
	exp := startExporter(t, cfg, journal, store)

	const requests, perRequest = 12, 10
	for r := range requests {
		require.NoError(t, exp.ConsumeLogs(ctx, numberedRequest(r, perRequest)))
	}
	require.Eventually(t, func() bool {
		return store.(logstoreext.Store).Stats().Rows == requests*perRequest
	}, 30*time.Second, 50*time.Millisecond, "rows stored: %d", store.(logstoreext.Store).Stats().Rows)
	require.NoError(t, exp.Shutdown(ctx))

	entries, err := os.ReadDir(ts.journalCfg.Directory)
	require.NoError(t, err)
	var clients []string
	for _, e := range entries {
		clients = append(clients, e.Name())
	}
	assert.ElementsMatch(t, []string{
		"exporter_logstore__logs.journal",
		"exporter_logstore__queue_shards.journal",
		"exporter_logstore_queue-1_logs.journal",
		"exporter_logstore_queue-2_logs.journal",
	}, clients)
}

// Lowering queue_shards loses nothing: the removed shards' queues are
// delivered at the next start, and once they are empty the next start
// leaves them alone.
func TestLoweredQueueShardsDeliverWhatTheRemovedOnesHeld(t *testing.T) {
	ctx := context.Background()
	ts := newTestStorage(t, t.TempDir())
	// run starts a journal, the store (started or not) and the exporter
	// with shards queues, calls during, and shuts everything down.
	run := func(shards int, storeRunning bool, during func(exp *shardedLogs, store logstoreext.Store)) {
		journal := createExtension(t, ts.journalFactory, testJournalID, ts.journalCfg)
		require.NoError(t, journal.Start(ctx, componenttest.NewNopHost()))
		store := createExtension(t, ts.storeFactory, testStoreID, ts.storeCfg)
		if storeRunning {
			require.NoError(t, store.Start(ctx, componenttest.NewNopHost()))
		}
		cfg := createDefaultConfig().(*Config)
		cfg.QueueShards = shards
		cfg.RetryConfig.MaxElapsedTime = 0
		exp := startExporter(t, cfg, journal, store)
		during(exp.(*shardedLogs), store.(logstoreext.Store))
		require.NoError(t, exp.Shutdown(ctx))
		require.NoError(t, store.Shutdown(ctx))
		require.NoError(t, journal.Shutdown(ctx))
	}

	const requests, perRequest = 9, 10
	// Three queues, and a store that is not running: every request stays
	// queued, spread over the three.
	run(3, false, func(exp *shardedLogs, _ logstoreext.Store) {
		for r := range requests {
			require.NoError(t, exp.ConsumeLogs(ctx, numberedRequest(r, perRequest)))
		}
	})
	// One queue: the other two are delivered as well.
	run(1, true, func(exp *shardedLogs, store logstoreext.Store) {
		assert.Len(t, exp.draining, 2, "both removed queues held requests")
		assert.Eventually(t, func() bool {
			return store.Stats().Rows == requests*perRequest
		}, 30*time.Second, 50*time.Millisecond)
		assert.Equal(t, uint64(requests*perRequest), store.Stats().Rows, "rows stored")
	})
	// Drained: the removed queues are left alone from now on.
	run(1, true, func(exp *shardedLogs, store logstoreext.Store) {
		assert.Empty(t, exp.draining)
		assert.Equal(t, uint64(requests*perRequest), store.Stats().Rows)
	})
}

// A removed queue whose state cannot be decoded is started too: left alone
// it could hold requests nobody reads.
func TestRemovedQueueWithUnreadableStateIsStarted(t *testing.T) {
	ctx := context.Background()
	ts := newTestStorage(t, t.TempDir())
	journal := startedExtension(t, createExtension(t, ts.journalFactory, testJournalID, ts.journalCfg))
	set := func(id component.ID, name, key string, value []byte) {
		client, err := journal.(storage.Extension).GetClient(ctx, component.KindExporter, id, name)
		require.NoError(t, err)
		require.NoError(t, client.Set(ctx, key, value))
		require.NoError(t, client.Close(ctx))
	}
	set(testExporterID, "queue_shards", shardCountKey, []byte("2"))
	set(shardID(testExporterID, 1), "logs", queuehealth.MetadataKey, []byte{0xff, 0xff})

	store := createExtension(t, ts.storeFactory, testStoreID, ts.storeCfg)
	exp := startExporter(t, createDefaultConfig().(*Config), journal, store)
	assert.Len(t, exp.(*shardedLogs).draining, 1)
	require.NoError(t, exp.Shutdown(ctx))
}

func TestShardID(t *testing.T) {
	assert.Equal(t, "logstore", shardID(component.MustNewID("logstore"), 0).String())
	assert.Equal(t, "logstore/queue-2", shardID(component.MustNewID("logstore"), 2).String())
	assert.Equal(t, "logstore/main", shardID(component.MustNewIDWithName("logstore", "main"), 0).String())
	assert.Equal(t, "logstore/main-queue-1", shardID(component.MustNewIDWithName("logstore", "main"), 1).String())
}

// A queue filled by the exporter as it was before it queued rows (plog
// requests in OTLP protobuf, exporterhelper's own encoding) is delivered by
// the current one.
func TestQueueOfOTLPRequestsIsDelivered(t *testing.T) {
	ctx := context.Background()
	ts := newTestStorage(t, t.TempDir())
	journal := startedExtension(t, createExtension(t, ts.journalFactory, testJournalID, ts.journalCfg))

	const requests, perRequest = 5, 20
	cfg := createDefaultConfig().(*Config)
	cfg.QueueConfig.Get().StorageID = &testJournalID
	set := exportertest.NewNopSettings(metadata.Type)
	set.ID = testExporterID
	storeDown := func(context.Context, plog.Logs) error { return errors.New("store not running") }
	previous, err := exporterhelper.NewLogs(ctx, set, cfg, storeDown,
		exporterhelper.WithQueue(cfg.QueueConfig), exporterhelper.WithRetry(cfg.RetryConfig))
	require.NoError(t, err)
	host := hosttest.WithExtensions(map[component.ID]component.Component{testJournalID: journal})
	require.NoError(t, previous.Start(ctx, host))
	for r := range requests {
		require.NoError(t, previous.ConsumeLogs(ctx, numberedRequest(r, perRequest)))
	}
	require.NoError(t, previous.Shutdown(ctx))

	store := startedExtension(t, createExtension(t, ts.storeFactory, testStoreID, ts.storeCfg))
	exp := startExporter(t, createDefaultConfig().(*Config), journal, store)
	defer func() { require.NoError(t, exp.Shutdown(ctx)) }()
	require.Eventually(t, func() bool {
		return store.(logstoreext.Store).Stats().Rows == requests*perRequest
	}, 30*time.Second, 50*time.Millisecond, "rows stored: %d", store.(logstoreext.Store).Stats().Rows)
	res, err := store.(logstoreext.Store).Search(ctx, &logquery.Request{
		Filter: &logquery.Term{Field: logquery.FieldMessage, Value: "4"}, Start: time.Now().Add(-time.Hour), Limit: 1000,
	})
	require.NoError(t, err)
	bodies := map[string]bool{}
	for _, rec := range res.Records {
		bodies[rec.Message] = true
	}
	assert.True(t, bodies["request 4 record 19"], "bodies come through: %v", bodies)
}
