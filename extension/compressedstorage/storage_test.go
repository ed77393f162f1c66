package compressedstorage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/paylog/paylog/extension/compressedstorage/internal/metadata"
	"github.com/paylog/paylog/internal/hosttest"
	"github.com/paylog/paylog/internal/storagetest"
)

var (
	fileID       = component.MustNewIDWithName("file_storage", "queue")
	compressedID = component.MustNewIDWithName("compressed_storage", "queue")
	exporterID   = component.MustNewID("logstore")
)

// startOver starts compressed_storage over inner and returns a client.
func startOver(t *testing.T, inner component.Component) storage.Client {
	t.Helper()
	return startOverWith(t, inner, codecZstd)
}

// startOverWith is startOver with the given codec.
func startOverWith(t *testing.T, inner component.Component, codec string) storage.Client {
	t.Helper()
	return startLogging(t, inner, codec, zap.NewNop())
}

// startLogging is startOverWith with the extension's logger.
func startLogging(t *testing.T, inner component.Component, codec string, logger *zap.Logger) storage.Client {
	t.Helper()
	ctx := context.Background()
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = fileID
	cfg.Codec = codec
	require.NoError(t, cfg.Validate())
	set := extensiontest.NewNopSettings(metadata.Type)
	set.ID = compressedID
	set.Logger = logger
	cs, err := NewFactory().Create(ctx, set, cfg)
	require.NoError(t, err)
	h := hosttest.WithExtensions(map[component.ID]component.Component{fileID: inner, compressedID: cs})
	require.NoError(t, inner.Start(ctx, h))
	require.NoError(t, cs.Start(ctx, h))
	c, err := cs.(storage.Extension).GetClient(ctx, component.KindExporter, exporterID, "")
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, c.Close(ctx))
		require.NoError(t, cs.Shutdown(ctx))
		require.NoError(t, inner.Shutdown(ctx))
	})
	return c
}

// startOnMemory returns a compressed_storage client and the values it
// writes underneath.
func startOnMemory(t *testing.T) (storage.Client, *storagetest.Memory) {
	t.Helper()
	inner := storagetest.NewMemory()
	return startOver(t, inner), inner
}

// startOnFileStorage starts compressed_storage over a real file_storage in
// a temporary directory.
func startOnFileStorage(t *testing.T) storage.Client {
	t.Helper()
	ctx := context.Background()
	fsFactory := filestorage.NewFactory()
	fsCfg := fsFactory.CreateDefaultConfig().(*filestorage.Config)
	fsCfg.Directory = t.TempDir()
	fsCfg.Compaction.Directory = fsCfg.Directory
	fsSet := extensiontest.NewNopSettings(fsFactory.Type())
	fsSet.ID = fileID
	fs, err := fsFactory.Create(ctx, fsSet, fsCfg)
	require.NoError(t, err)
	return startOver(t, fs)
}

func TestStorageContractOverFileStorage(t *testing.T) {
	ctx := context.Background()
	c := startOnFileStorage(t)

	v, err := c.Get(ctx, "missing")
	require.NoError(t, err)
	assert.Nil(t, v)

	require.NoError(t, c.Set(ctx, "k", []byte("value")))
	v, err = c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("value"), v)

	require.NoError(t, c.Set(ctx, "empty", []byte{}))
	v, err = c.Get(ctx, "empty")
	require.NoError(t, err)
	assert.Equal(t, []byte{}, v)

	ops := []*storage.Operation{
		storage.GetOperation("k"),
		storage.SetOperation("k", []byte("new")),
		storage.GetOperation("k"),
		storage.DeleteOperation("k"),
		storage.GetOperation("k"),
	}
	require.NoError(t, c.Batch(ctx, ops...))
	assert.Equal(t, []byte("value"), ops[0].Value)
	assert.Equal(t, []byte("new"), ops[1].Value, "the caller's value is left as it was")
	assert.Equal(t, []byte("new"), ops[2].Value)
	assert.Nil(t, ops[4].Value)

	require.NoError(t, c.Delete(ctx, "empty"))
	v, err = c.Get(ctx, "empty")
	require.NoError(t, err)
	assert.Nil(t, v)
}

// repetitiveValue is 170 KB of log-like JSON.
func repetitiveValue() []byte {
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, `{"service":"payments","level":"ERROR","message":"Payment %d declined: insufficient funds"}`, i*7919)
	}
	return []byte(b.String())
}

func TestValuesAreStoredCompressed(t *testing.T) {
	for codec, header := range map[string][]byte{codecZstd: zstdHeader, codecS2: s2Header} {
		t.Run(codec, func(t *testing.T) {
			ctx := context.Background()
			inner := storagetest.NewMemory()
			c := startOverWith(t, inner, codec)
			value := repetitiveValue()
			require.NoError(t, c.Set(ctx, "item", value))
			stored := inner.Value("item")
			assert.True(t, bytes.HasPrefix(stored, header))
			assert.Less(t, len(stored), len(value)/4, "a repetitive 170 KB value shrinks by more than 4x")
			got, err := c.Get(ctx, "item")
			require.NoError(t, err)
			assert.Equal(t, value, got)
			get := storage.GetOperation("item")
			require.NoError(t, c.Batch(ctx, get))
			assert.Equal(t, value, get.Value)
		})
	}
}

// Switching the codec keeps what a queue holds readable: each value says
// which codec wrote it.
func TestValuesKeepTheirCodec(t *testing.T) {
	ctx := context.Background()
	inner := storagetest.NewMemory()
	value := repetitiveValue()
	require.NoError(t, startOverWith(t, inner, codecZstd).Set(ctx, "by-zstd", value))
	require.NoError(t, startOverWith(t, inner, codecS2).Set(ctx, "by-s2", value))
	for _, codec := range codecs {
		c := startOverWith(t, inner, codec)
		for _, key := range []string{"by-zstd", "by-s2"} {
			got, err := c.Get(ctx, key)
			require.NoError(t, err, "%s reading %s", codec, key)
			assert.Equal(t, value, got, "%s reading %s", codec, key)
		}
	}
}

func TestValuesWrittenBeforeCompressionAreReadAsTheyAre(t *testing.T) {
	ctx := context.Background()
	c, inner := startOnMemory(t)
	inner.SetValue("old", []byte("written by a collector without compression"))
	v, err := c.Get(ctx, "old")
	require.NoError(t, err)
	assert.Equal(t, []byte("written by a collector without compression"), v)
	get := storage.GetOperation("old")
	require.NoError(t, c.Batch(ctx, get))
	assert.Equal(t, []byte("written by a collector without compression"), get.Value)
}

func TestCorruptValuesAreErrorsNamingTheKey(t *testing.T) {
	ctx := context.Background()
	inner := storagetest.NewMemory()
	core, logs := observer.New(zap.InfoLevel)
	c := startLogging(t, inner, codecZstd, zap.New(core))
	inner.SetValue("broken", append(append([]byte{}, zstdHeader...), "not zstd"...))
	_, err := c.Get(ctx, "broken")
	assert.ErrorContains(t, err, `"broken"`)
	// A persistent queue drops an item it cannot read and says so only at
	// debug level: the loss is logged here.
	require.Equal(t, 1, logs.FilterLevelExact(zap.ErrorLevel).Len())
	assert.Equal(t, "broken", logs.All()[0].ContextMap()["key"])
	assert.ErrorContains(t, c.Batch(ctx, storage.GetOperation("broken")), `"broken"`, "the queue reads in batches")
	assert.Equal(t, 2, logs.FilterLevelExact(zap.ErrorLevel).Len())
	inner.SetValue("broken-s2", append(append([]byte{}, s2Header...), "not s2"...))
	_, err = c.Get(ctx, "broken-s2")
	assert.ErrorContains(t, err, `"broken-s2"`)
	// An s2 block that claims to decode to 2 GiB is refused before any
	// memory is taken for it.
	huge := binary.AppendUvarint(append([]byte{}, s2Header...), 2<<30)
	inner.SetValue("huge", huge)
	_, err = c.Get(ctx, "huge")
	assert.ErrorContains(t, err, "over the 1073741824 bound")
}

func TestStartNeedsAStorageExtension(t *testing.T) {
	ctx := context.Background()
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = fileID
	cs, err := NewFactory().Create(ctx, extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	assert.ErrorContains(t, cs.Start(ctx, componenttest.NewNopHost()), "is not configured")
	notStorage := hosttest.WithExtensions(map[component.ID]component.Component{fileID: struct{ component.Component }{}})
	assert.ErrorContains(t, cs.Start(ctx, notStorage), "is not a storage extension")
	require.NoError(t, cs.Shutdown(ctx))
}

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
	cfg, err := load("compressed_storage/queue")
	require.NoError(t, err)
	assert.Equal(t, &Config{Storage: fileID, Codec: "zstd", Level: "fastest"}, cfg)
	cfg, err = load("compressed_storage/better")
	require.NoError(t, err)
	assert.Equal(t, "better", cfg.Level)
	cfg, err = load("compressed_storage/s2")
	require.NoError(t, err)
	assert.Equal(t, &Config{Storage: fileID, Codec: "s2", Level: "fastest"}, cfg)
	_, err = load("compressed_storage/bad")
	assert.EqualError(t, err, "storage: must name the storage extension to wrap\ncodec: must be one of [zstd s2], got \"lz4\"\nlevel: must be one of [fastest default better], got \"max\"")
}
