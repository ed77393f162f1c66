package redisstorage // import "github.com/paylog/paylog/extension/redisstorage"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

type client struct {
	rdb        *redis.Client
	namespace  string
	expiration time.Duration
	logger     *zap.Logger
	// stopping is closed when the extension shuts down: reads stop
	// waiting for Redis.
	stopping <-chan struct{}

	mu sync.Mutex
	// unwritten holds keys whose last Set failed, so they are known to be
	// missing without asking Redis (bounded by maxUnwritten).
	unwritten map[string]struct{}
}

// maxUnwritten bounds the keys remembered as not written; past it, a read
// of another one waits for Redis like any read.
const maxUnwritten = 100_000

var _ storage.Client = (*client)(nil)

func (c *client) key(key string) string { return c.namespace + key }

// Get returns the value of key, or nil without an error when it is missing.
func (c *client) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := c.rdb.Get(ctx, c.key(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return v, err
}

func (c *client) Set(ctx context.Context, key string, value []byte) error {
	return c.rdb.Set(ctx, c.key(key), value, c.expiration).Err()
}

func (c *client) Delete(ctx context.Context, key string) error {
	return c.rdb.Del(ctx, c.key(key)).Err()
}

// batchScript applies a batch in order inside Redis, as one script: no
// other command runs in between. ARGV[1] is the expiration in milliseconds
// (0: none); then each key has its operation (g, s, d) and value. A get
// answers the value or nil (false in Lua); the other operations nil.
var batchScript = redis.NewScript(`
local ttl = tonumber(ARGV[1])
local results = {}
for i, key in ipairs(KEYS) do
  local op = ARGV[2 * i]
  if op == 'g' then
    results[i] = redis.call('GET', key)
  elseif op == 's' then
    if ttl > 0 then
      redis.call('SET', key, ARGV[2 * i + 1], 'PX', ttl)
    else
      redis.call('SET', key, ARGV[2 * i + 1])
    end
    results[i] = false
  else
    redis.call('DEL', key)
    results[i] = false
  end
end
return results
`)

// Batch applies ops in order, atomically, and stores each Get's result in
// its operation (nil for a missing key).
//
// A batch that only writes fails at once while Redis is down (the ingest
// request behind it gets a 503). A batch that reads waits for Redis instead:
// exporterhelper's persistent queue (v0.158) reads its next item in such a
// batch, and when that fails it moves its read index past the item and
// never reads it again, so one idle consumer during an outage dropped the
// whole backlog (TestRedisQueueLosesNothingAcknowledged, 4,000 of 7,500
// entries). A read of keys whose last Set failed is answered without Redis:
// they are missing (a queue reads the slot of a request it refused).
func (c *client) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if len(ops) == 0 {
		return nil
	}
	err := c.runBatch(ctx, ops)
	if err == nil {
		c.forgetUnwritten(ops)
		return nil
	}
	if !hasGet(ops) {
		c.rememberUnwritten(ops)
		return err
	}
	if c.readsOnlyUnwritten(ops) {
		for _, op := range ops {
			if op.Type == storage.Get {
				op.Value = nil
			}
		}
		return nil
	}
	if !transient(err) {
		return err
	}
	c.logger.Warn("A read from Redis failed; waiting for Redis rather than letting the queue skip the item", zap.Error(err))
	wait := 50 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-c.stopping:
			return err
		case <-time.After(wait):
		}
		if err = c.runBatch(ctx, ops); err == nil {
			c.logger.Info("Redis answers again; the read went through")
			c.forgetUnwritten(ops)
			return nil
		}
		if !transient(err) {
			return err
		}
		wait = min(2*wait, time.Second)
	}
}

func hasGet(ops []*storage.Operation) bool {
	for _, op := range ops {
		if op.Type == storage.Get {
			return true
		}
	}
	return false
}

// transient tells errors that Redis coming back would cure: the network,
// and a server that is loading its data or not yet a writable primary.
func transient(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	msg := err.Error()
	for _, prefix := range []string{"LOADING", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return strings.Contains(msg, "connection pool")
}

func (c *client) rememberUnwritten(ops []*storage.Operation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, op := range ops {
		if op.Type == storage.Set && len(c.unwritten) < maxUnwritten {
			if c.unwritten == nil {
				c.unwritten = map[string]struct{}{}
			}
			c.unwritten[op.Key] = struct{}{}
		}
	}
}

func (c *client) forgetUnwritten(ops []*storage.Operation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.unwritten) == 0 {
		return
	}
	for _, op := range ops {
		delete(c.unwritten, op.Key)
	}
}

func (c *client) readsOnlyUnwritten(ops []*storage.Operation) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, op := range ops {
		if _, missing := c.unwritten[op.Key]; op.Type == storage.Get && !missing {
			return false
		}
	}
	return true
}

// runBatch runs ops as one script.
func (c *client) runBatch(ctx context.Context, ops []*storage.Operation) error {
	keys := make([]string, len(ops))
	args := make([]any, 1, 1+2*len(ops))
	args[0] = strconv.FormatInt(c.expiration.Milliseconds(), 10)
	for i, op := range ops {
		keys[i] = c.key(op.Key)
		switch op.Type {
		case storage.Get:
			args = append(args, "g", "")
		case storage.Set:
			args = append(args, "s", op.Value)
		case storage.Delete:
			args = append(args, "d", "")
		default:
			return fmt.Errorf("operation %d on %q: unknown type %d", i, op.Key, op.Type)
		}
	}
	results, err := batchScript.Run(ctx, c.rdb, keys, args...).Slice()
	if err != nil {
		return err
	}
	if len(results) != len(ops) {
		return fmt.Errorf("batch of %d operations answered %d results", len(ops), len(results))
	}
	for i, op := range ops {
		if op.Type != storage.Get {
			continue
		}
		switch v := results[i].(type) {
		case nil:
			op.Value = nil
		case string:
			op.Value = []byte(v)
		default:
			return fmt.Errorf("get %q answered %T", op.Key, v)
		}
	}
	return nil
}

// Close releases nothing: the clients share the extension's connection pool.
func (c *client) Close(context.Context) error { return nil }
