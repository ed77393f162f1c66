package journalstorage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/paylog/paylog/extension/journalstorage/internal/metadata"
	"github.com/paylog/paylog/internal/hosttest"
)

var (
	journalID  = component.MustNewIDWithName("journal_storage", "queue")
	fileID     = component.MustNewIDWithName("file_storage", "queue")
	exporterID = component.MustNewID("logstore")
)

func newExtension(t *testing.T, cfg *Config) extension.Extension {
	t.Helper()
	require.NoError(t, cfg.Validate())
	set := extensiontest.NewNopSettings(metadata.Type)
	set.ID = journalID
	e, err := NewFactory().Create(context.Background(), set, cfg)
	require.NoError(t, err)
	return e
}

func TestStartGetClientShutdown(t *testing.T) {
	ctx := context.Background()
	cfg := createDefaultConfig().(*Config)
	cfg.Directory = filepath.Join(t.TempDir(), "created", "on", "start")
	e := newExtension(t, cfg)
	require.NoError(t, e.Shutdown(ctx), "shutdown without start")
	require.NoError(t, e.Start(ctx, hosttest.WithExtensions(nil)))

	c, err := e.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "logs")
	require.NoError(t, err)
	require.NoError(t, c.Set(ctx, "k", []byte("v")))
	_, err = e.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "logs")
	require.ErrorContains(t, err, "already open")
	other, err := e.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "other")
	require.NoError(t, err)
	v, err := other.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, v, "each client has its own keys")
	require.NoError(t, c.Close(ctx))
	assert.DirExists(t, filepath.Join(cfg.Directory, "exporter_logstore__logs.journal"))

	// Closed, it can be opened again; Shutdown closes what is left open.
	c, err = e.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "logs")
	require.NoError(t, err)
	v, err = c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(v))
	require.NoError(t, e.Shutdown(ctx))
	_, err = other.Get(ctx, "k")
	assert.ErrorIs(t, err, errClosed)
	require.NoError(t, e.Shutdown(ctx), "shutdown twice")
}

func TestDirectoryThatCannotBeCreated(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o640))
	cfg := createDefaultConfig().(*Config)
	cfg.Directory = filepath.Join(file, "queue")
	err := newExtension(t, cfg).Start(context.Background(), hosttest.WithExtensions(nil))
	require.ErrorContains(t, err, "directory: ")
}

// startFileStorage starts a real file_storage in dir.
func startFileStorage(t *testing.T, dir string) extension.Extension {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory, cfg.Compaction.Directory = dir, dir
	set := extensiontest.NewNopSettings(f.Type())
	set.ID = fileID
	fs, err := f.Create(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, fs.Start(context.Background(), hosttest.WithExtensions(nil)))
	return fs
}

// A queue moves from file_storage to journal_storage with import_from: the
// journal starts with what file_storage held, which is deleted there, and
// file_storage is not read again.
func TestImportFromFileStorage(t *testing.T) {
	ctx := context.Background()
	fileDir, journalDir := t.TempDir(), t.TempDir()
	fs := startFileStorage(t, fileDir)
	old, err := fs.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "")
	require.NoError(t, err)
	want := map[string]string{}
	for i := range 300 {
		key, value := fmt.Sprintf("item-%d", i), fmt.Sprintf("value %d %0800d", i, i)
		require.NoError(t, old.Set(ctx, key, []byte(value)))
		want[key] = value
	}
	require.NoError(t, old.Close(ctx))

	cfg := createDefaultConfig().(*Config)
	cfg.Directory, cfg.ImportFrom = journalDir, &fileID
	// Small segments: the import spans several.
	cfg.SegmentSizeMiB = 1
	js := newExtension(t, cfg)
	assert.Equal(t, []component.ID{fileID}, js.(*journalStorage).Dependencies())
	host := hosttest.WithExtensions(map[component.ID]component.Component{fileID: fs, journalID: js})
	require.NoError(t, js.Start(ctx, host))
	c, err := js.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "")
	require.NoError(t, err)
	for key, value := range want {
		got, err := c.Get(ctx, key)
		require.NoError(t, err)
		require.Equal(t, value, string(got), key)
	}
	require.NoError(t, c.Close(ctx))

	old, err = fs.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "")
	require.NoError(t, err)
	v, err := old.Get(ctx, "item-7")
	require.NoError(t, err)
	assert.Nil(t, v, "imported keys are deleted from the source")
	require.NoError(t, old.Set(ctx, "late", []byte("written to the old storage afterwards")))
	require.NoError(t, old.Close(ctx))

	c, err = js.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "")
	require.NoError(t, err)
	v, err = c.Get(ctx, "late")
	require.NoError(t, err)
	assert.Nil(t, v, "an existing journal does not import again")
	require.NoError(t, js.Shutdown(ctx))
	require.NoError(t, fs.Shutdown(ctx))
	entries, err := os.ReadDir(journalDir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no .importing directory is left")
}

// A client the source has nothing for starts an empty journal.
func TestImportOfNothing(t *testing.T) {
	ctx := context.Background()
	fs := startFileStorage(t, t.TempDir())
	defer fs.Shutdown(ctx)
	cfg := createDefaultConfig().(*Config)
	cfg.Directory, cfg.ImportFrom = t.TempDir(), &fileID
	js := newExtension(t, cfg)
	require.NoError(t, js.Start(ctx, hosttest.WithExtensions(map[component.ID]component.Component{fileID: fs})))
	defer js.Shutdown(ctx)
	c, err := js.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "")
	require.NoError(t, err)
	v, err := c.Get(ctx, "anything")
	require.NoError(t, err)
	assert.Nil(t, v)
}

func TestImportFromMissingExtension(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Directory, cfg.ImportFrom = t.TempDir(), &fileID
	err := newExtension(t, cfg).Start(context.Background(), hosttest.WithExtensions(nil))
	require.ErrorContains(t, err, "import_from")
}
