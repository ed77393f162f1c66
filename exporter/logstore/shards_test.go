package logstore

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/exporter/logstore/internal/metadata"
	"github.com/paylog/paylog/extension/journalstorage"
	logstoreext "github.com/paylog/paylog/extension/logstore"
	"github.com/paylog/paylog/internal/hosttest"
	"github.com/paylog/paylog/internal/queuehealth"
)

// With queue_shards: 3 every request reaches the store, and the shards keep
// their queues apart: three journal clients, the first under the exporter's
// own id so that the queue an unsharded exporter left is still read.
func TestShardedQueuesDeliverEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	startExtension := func(f extension.Factory, id component.ID, cfg component.Config) component.Component {
		ext, err := f.Create(ctx, extension.Settings{ID: id, TelemetrySettings: componenttest.NewNopTelemetrySettings()}, cfg)
		require.NoError(t, err)
		require.NoError(t, ext.Start(ctx, componenttest.NewNopHost()))
		t.Cleanup(func() { assert.NoError(t, ext.Shutdown(ctx)) })
		return ext
	}
	storeFactory := logstoreext.NewFactory()
	storeCfg := storeFactory.CreateDefaultConfig().(*logstoreext.Config)
	storeCfg.Embedded.Path = filepath.Join(dir, "logs")
	storeID := component.MustNewID("logstore")
	store := startExtension(storeFactory, storeID, storeCfg)
	journalFactory := journalstorage.NewFactory()
	journalCfg := journalFactory.CreateDefaultConfig().(*journalstorage.Config)
	journalCfg.Directory = filepath.Join(dir, "queue")
	require.NoError(t, os.Mkdir(journalCfg.Directory, 0o755))
	journalID := component.MustNewID("journal_storage")
	journal := startExtension(journalFactory, journalID, journalCfg)
	host := hosttest.WithExtensions(map[component.ID]component.Component{storeID: store, journalID: journal})

	cfg := createDefaultConfig().(*Config)
	cfg.QueueShards = 3
	cfg.QueueConfig.Get().StorageID = &journalID
	require.NoError(t, cfg.Validate())
	set := exportertest.NewNopSettings(metadata.Type)
	set.ID = component.MustNewID("logstore")
	exp, err := NewFactory().CreateLogs(ctx, set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, host))

	const requests, perRequest = 12, 10
	for r := range requests {
		ld := plog.NewLogs()
		records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		for i := range perRequest {
			rec := records.AppendEmpty()
			rec.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
			rec.Body().SetStr("request " + strconv.Itoa(r) + " record " + strconv.Itoa(i))
		}
		require.NoError(t, exp.ConsumeLogs(ctx, ld))
	}
	require.Eventually(t, func() bool {
		return store.(logstoreext.Store).Stats().Rows == requests*perRequest
	}, 30*time.Second, 50*time.Millisecond, "rows stored: %d", store.(logstoreext.Store).Stats().Rows)
	require.NoError(t, exp.Shutdown(ctx))

	entries, err := os.ReadDir(journalCfg.Directory)
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
	dir := t.TempDir()
	journalFactory := journalstorage.NewFactory()
	journalCfg := journalFactory.CreateDefaultConfig().(*journalstorage.Config)
	journalCfg.Directory = filepath.Join(dir, "queue")
	require.NoError(t, os.Mkdir(journalCfg.Directory, 0o755))
	journalID := component.MustNewID("journal_storage")
	storeFactory := logstoreext.NewFactory()
	storeCfg := storeFactory.CreateDefaultConfig().(*logstoreext.Config)
	storeCfg.Embedded.Path = filepath.Join(dir, "logs")
	storeID := component.MustNewID("logstore")
	create := func(f extension.Factory, id component.ID, cfg component.Config) extension.Extension {
		ext, err := f.Create(ctx, extension.Settings{ID: id, TelemetrySettings: componenttest.NewNopTelemetrySettings()}, cfg)
		require.NoError(t, err)
		return ext
	}
	// run starts a journal, the store (started or not) and the exporter
	// with shards queues, calls during, and shuts everything down.
	run := func(shards int, storeRunning bool, during func(exp *shardedLogs, store logstoreext.Store)) {
		journal := create(journalFactory, journalID, journalCfg)
		require.NoError(t, journal.Start(ctx, componenttest.NewNopHost()))
		store := create(storeFactory, storeID, storeCfg)
		if storeRunning {
			require.NoError(t, store.Start(ctx, componenttest.NewNopHost()))
		}
		host := hosttest.WithExtensions(map[component.ID]component.Component{storeID: store, journalID: journal})
		cfg := createDefaultConfig().(*Config)
		cfg.QueueShards = shards
		cfg.QueueConfig.Get().StorageID = &journalID
		cfg.RetryConfig.MaxElapsedTime = 0
		set := exportertest.NewNopSettings(metadata.Type)
		set.ID = component.MustNewID("logstore")
		exp, err := NewFactory().CreateLogs(ctx, set, cfg)
		require.NoError(t, err)
		require.NoError(t, exp.Start(ctx, host))
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
			ld := plog.NewLogs()
			records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
			for i := range perRequest {
				rec := records.AppendEmpty()
				rec.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
				rec.Body().SetStr("request " + strconv.Itoa(r) + " record " + strconv.Itoa(i))
			}
			require.NoError(t, exp.ConsumeLogs(ctx, ld))
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
	dir := t.TempDir()
	journalFactory := journalstorage.NewFactory()
	journalCfg := journalFactory.CreateDefaultConfig().(*journalstorage.Config)
	journalCfg.Directory = dir
	journalID := component.MustNewID("journal_storage")
	journal, err := journalFactory.Create(ctx, extension.Settings{ID: journalID, TelemetrySettings: componenttest.NewNopTelemetrySettings()}, journalCfg)
	require.NoError(t, err)
	require.NoError(t, journal.Start(ctx, componenttest.NewNopHost()))
	t.Cleanup(func() { assert.NoError(t, journal.Shutdown(ctx)) })
	exporterID := component.MustNewID("logstore")
	set := func(id component.ID, name, key string, value []byte) {
		client, err := journal.(storage.Extension).GetClient(ctx, component.KindExporter, id, name)
		require.NoError(t, err)
		require.NoError(t, client.Set(ctx, key, value))
		require.NoError(t, client.Close(ctx))
	}
	set(exporterID, "queue_shards", shardCountKey, []byte("2"))
	set(shardID(exporterID, 1), "logs", queuehealth.MetadataKey, []byte{0xff, 0xff})

	store := logstoreext.NewFactory()
	storeCfg := store.CreateDefaultConfig().(*logstoreext.Config)
	storeCfg.Embedded.Path = filepath.Join(dir, "logs")
	storeID := component.MustNewID("logstore")
	storeExt, err := store.Create(ctx, extension.Settings{ID: storeID, TelemetrySettings: componenttest.NewNopTelemetrySettings()}, storeCfg)
	require.NoError(t, err)
	host := hosttest.WithExtensions(map[component.ID]component.Component{storeID: storeExt, journalID: journal})
	cfg := createDefaultConfig().(*Config)
	cfg.QueueConfig.Get().StorageID = &journalID
	settings := exportertest.NewNopSettings(metadata.Type)
	settings.ID = exporterID
	exp, err := NewFactory().CreateLogs(ctx, settings, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, host))
	assert.Len(t, exp.(*shardedLogs).draining, 1)
	require.NoError(t, exp.Shutdown(ctx))
}

func TestShardID(t *testing.T) {
	assert.Equal(t, "logstore", shardID(component.MustNewID("logstore"), 0).String())
	assert.Equal(t, "logstore/queue-2", shardID(component.MustNewID("logstore"), 2).String())
	assert.Equal(t, "logstore/main", shardID(component.MustNewIDWithName("logstore", "main"), 0).String())
	assert.Equal(t, "logstore/main-queue-1", shardID(component.MustNewIDWithName("logstore", "main"), 1).String())
}
