package redisstorage

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/paylog/paylog/extension/redisstorage/internal/metadata"
	"github.com/paylog/paylog/internal/testredis"
)

// The storage contract, against a real redis-server.

func startExtension(t *testing.T, addr string, configure ...func(*Config)) *redisStorage {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = addr
	for _, c := range configure {
		c(cfg)
	}
	require.NoError(t, cfg.Validate())
	set := extensiontest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	ext, err := NewFactory().Create(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext.(*redisStorage)
}

func newClient(t *testing.T, s *redisStorage, component string) storage.Client {
	t.Helper()
	c, err := s.GetClient(context.Background(), component2Kind, componentID(component), "")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close(context.Background())) })
	return c
}

var component2Kind = component.KindExporter

func componentID(name string) component.ID {
	return component.MustNewIDWithName("logstore", name)
}

func TestGetSetDeleteAndMissingKeys(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, startExtension(t, testredis.Start(t).Addr), "a")

	v, err := c.Get(ctx, "missing")
	require.NoError(t, err, "a missing key is not an error")
	assert.Nil(t, v)

	require.NoError(t, c.Set(ctx, "k", []byte("v1")))
	v, err = c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("v1"), v)

	require.NoError(t, c.Set(ctx, "k", []byte{}))
	v, err = c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte{}, v, "an empty value is not a missing one")

	require.NoError(t, c.Delete(ctx, "k"))
	require.NoError(t, c.Delete(ctx, "k"), "deleting a missing key is not an error")
	v, err = c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, v)
}

func TestBatchAppliesOperationsInOrderAndFillsGets(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, startExtension(t, testredis.Start(t).Addr), "a")
	require.NoError(t, c.Set(ctx, "x", []byte("old")))

	ops := []*storage.Operation{
		storage.GetOperation("x"),
		storage.SetOperation("x", []byte("new")),
		storage.GetOperation("x"),
		storage.DeleteOperation("x"),
		storage.GetOperation("x"),
		storage.GetOperation("never"),
		storage.SetOperation("y", []byte("kept")),
	}
	require.NoError(t, c.Batch(ctx, ops...))
	assert.Equal(t, []byte("old"), ops[0].Value)
	assert.Equal(t, []byte("new"), ops[2].Value, "a get sees the set before it in the batch")
	assert.Nil(t, ops[4].Value, "a get sees the delete before it")
	assert.Nil(t, ops[5].Value)
	v, err := c.Get(ctx, "y")
	require.NoError(t, err)
	assert.Equal(t, []byte("kept"), v)
	require.NoError(t, c.Batch(ctx), "an empty batch is fine")
}

func TestBatchIsAtomic(t *testing.T) {
	// Writers set a and b to the same value in one batch; readers get both
	// in one batch and must never see them differ.
	ctx := context.Background()
	s := startExtension(t, testredis.Start(t).Addr)
	writer, reader := newClient(t, s, "a"), newClient(t, s, "a")
	require.NoError(t, writer.Batch(ctx, storage.SetOperation("a", []byte("0")), storage.SetOperation("b", []byte("0"))))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v := []byte(fmt.Sprintf("%d-%d", w, i))
				assert.NoError(t, writer.Batch(ctx, storage.SetOperation("a", v), storage.SetOperation("b", v)))
			}
		})
	}
	for range 500 {
		a, b := storage.GetOperation("a"), storage.GetOperation("b")
		require.NoError(t, reader.Batch(ctx, a, b))
		require.Equal(t, string(a.Value), string(b.Value), "a batch saw another half-applied")
	}
	close(stop)
	wg.Wait()
}

func TestLargeValuesAndBinaryData(t *testing.T) {
	ctx := context.Background()
	// 32 MiB each way takes seconds on a loaded 2-core machine (CI): this
	// test is about size, not the default 3 s timeouts.
	c := newClient(t, startExtension(t, testredis.Start(t).Addr, func(cfg *Config) {
		cfg.ReadTimeout, cfg.WriteTimeout = 60*time.Second, 60*time.Second
	}), "a")
	big := make([]byte, 32<<20)
	_, _ = rand.Read(big)
	require.NoError(t, c.Set(ctx, "big", big))
	v, err := c.Get(ctx, "big")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, v), "32 MiB of random bytes come back intact")

	get := storage.GetOperation("big")
	require.NoError(t, c.Batch(ctx, storage.SetOperation("big2", big[:1<<20]), get))
	assert.True(t, bytes.Equal(big, get.Value))
	v, err = c.Get(ctx, "big2")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big[:1<<20], v))
}

func TestConcurrentClients(t *testing.T) {
	ctx := context.Background()
	s := startExtension(t, testredis.Start(t).Addr)
	var wg sync.WaitGroup
	for w := range 8 {
		c := newClient(t, s, fmt.Sprintf("c%d", w))
		wg.Go(func() {
			for i := range 200 {
				key := fmt.Sprintf("k%d", i)
				want := []byte(fmt.Sprintf("%d/%d", w, i))
				if !assert.NoError(t, c.Set(ctx, key, want)) {
					return
				}
				get := storage.GetOperation(key)
				if !assert.NoError(t, c.Batch(ctx, get, storage.DeleteOperation(key))) {
					return
				}
				assert.Equal(t, want, get.Value)
			}
		})
	}
	wg.Wait()
}

func TestNamespacesKeepComponentsAndCollectorsApart(t *testing.T) {
	ctx := context.Background()
	addr := testredis.Start(t).Addr
	s := startExtension(t, addr)
	a, b := newClient(t, s, "a"), newClient(t, s, "b")
	require.NoError(t, a.Set(ctx, "k", []byte("from a")))
	require.NoError(t, b.Set(ctx, "k", []byte("from b")))
	v, err := a.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("from a"), v)

	// The same component in a collector with another prefix.
	other := newClient(t, startExtension(t, addr, func(c *Config) { c.Prefix = "gateway-2" }), "a")
	v, err = other.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, v)
	require.NoError(t, other.Delete(ctx, "k"))
	v, err = a.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("from a"), v, "a delete under one prefix leaves the other's key")

	// The keys really carry the prefix.
	keys, err := s.rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"paylog:{redis_storage/exporter/logstore/a}:k", "paylog:{redis_storage/exporter/logstore/b}:k"}, keys)
}

func TestExpiration(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, startExtension(t, testredis.Start(t).Addr, func(c *Config) { c.Expiration = 300 * time.Millisecond }), "a")
	require.NoError(t, c.Set(ctx, "plain", []byte("v")))
	require.NoError(t, c.Batch(ctx, storage.SetOperation("batched", []byte("v"))))
	time.Sleep(600 * time.Millisecond)
	for _, key := range []string{"plain", "batched"} {
		v, err := c.Get(ctx, key)
		require.NoError(t, err)
		assert.Nil(t, v, key)
	}
}

func TestRedisDownFailsFastAndRecovers(t *testing.T) {
	ctx := context.Background()
	server := testredis.Start(t)
	s := startExtension(t, server.Addr)
	c := newClient(t, s, "a")
	require.NoError(t, c.Set(ctx, "k", []byte("v")))

	server.Stop(t)
	start := time.Now()
	err := c.Batch(ctx, storage.SetOperation("k2", []byte("v")))
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second, "a write fails within a second while Redis is down")
	assert.False(t, s.QueueStatus(ctx).Up)

	server.Restart(t)
	require.Eventually(t, func() bool { return c.Set(ctx, "k2", []byte("v")) == nil }, 5*time.Second, 50*time.Millisecond)
	v, err := c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("v"), v, "the AOF kept what was written before the stop")
}

// A read while Redis is down waits for it: a persistent queue skips, for
// good, an item whose read fails. Writes still fail at once.
func TestReadWaitsForRedis(t *testing.T) {
	ctx := context.Background()
	server := testredis.Start(t)
	s := startExtension(t, server.Addr)
	c := newClient(t, s, "a")
	require.NoError(t, c.Set(ctx, "item-7", []byte("queued")))

	server.Kill(t)
	read := storage.GetOperation("item-7")
	done := make(chan error, 1)
	go func() { done <- c.Batch(ctx, storage.SetOperation("meta", []byte("read 7")), read) }()
	select {
	case err := <-done:
		t.Fatalf("the read returned while Redis was down: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	start := time.Now()
	require.Error(t, c.Set(ctx, "item-8", []byte("refused")), "a write fails")
	assert.Less(t, time.Since(start), time.Second)

	server.Restart(t)
	select {
	case err := <-done:
		require.NoError(t, err)
		assert.Equal(t, "queued", string(read.Value))
	case <-time.After(10 * time.Second):
		t.Fatal("the read did not go through once Redis was back")
	}
	meta, err := c.Get(ctx, "meta")
	require.NoError(t, err)
	assert.Equal(t, "read 7", string(meta), "the read's write was applied with it")
}

// A read of a key whose write failed needs no Redis: the key is missing. A
// queue reads such a slot after refusing a request while Redis was down.
func TestReadOfAFailedWriteNeedsNoRedis(t *testing.T) {
	ctx := context.Background()
	server := testredis.Start(t)
	s := startExtension(t, server.Addr)
	c := newClient(t, s, "a")
	server.Kill(t)
	require.Error(t, c.Batch(ctx, storage.SetOperation("meta", []byte("wrote 8")), storage.SetOperation("item-8", []byte("refused"))))
	read := storage.GetOperation("item-8")
	read.Value = []byte("stale")
	start := time.Now()
	require.NoError(t, c.Batch(ctx, storage.SetOperation("meta", []byte("read 8")), read))
	assert.Less(t, time.Since(start), time.Second)
	assert.Nil(t, read.Value)
	// Another key still waits for Redis; shutting down ends the wait.
	done := make(chan error, 1)
	go func() { done <- c.Batch(ctx, storage.GetOperation("item-9")) }()
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, s.Shutdown(ctx))
	select {
	case err := <-done:
		require.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown did not end the wait")
	}
}

func TestStartFailsWhenRedisIsUnreachable(t *testing.T) {
	server := testredis.Start(t)
	server.Stop(t)
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = server.Addr
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	err = ext.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, "does not answer")
	require.NoError(t, ext.Shutdown(context.Background()))
}
