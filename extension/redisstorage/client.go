package redisstorage // import "github.com/paylog/paylog/extension/redisstorage"

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

type client struct {
	rdb        *redis.Client
	namespace  string
	expiration time.Duration
}

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
func (c *client) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if len(ops) == 0 {
		return nil
	}
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
