package redisstorage // import "github.com/paylog/paylog/extension/redisstorage"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/paylog/paylog/internal/queuehealth"
)

type redisStorage struct {
	cfg    *Config
	id     component.ID
	logger *zap.Logger

	rdb *redis.Client
	// stopping is closed at Shutdown.
	stopping chan struct{}
	stopOnce sync.Once

	mu sync.Mutex
	// namespaces of the clients handed out, for QueueStatus.
	namespaces map[string]bool
}

var (
	_ storage.Extension    = (*redisStorage)(nil)
	_ queuehealth.Reporter = (*redisStorage)(nil)
)

func newRedisStorage(cfg *Config, set extension.Settings) *redisStorage {
	return &redisStorage{cfg: cfg, id: set.ID, logger: set.Logger, namespaces: map[string]bool{}, stopping: make(chan struct{})}
}

// Start connects and fails when Redis does not answer: a persistent queue
// that cannot read its state at start would begin a new, empty one and
// orphan the items Redis holds. A supervisor restarting the collector until
// Redis is back loses nothing.
func (s *redisStorage) Start(ctx context.Context, _ component.Host) error {
	// go-redis logs through one process-wide logger (to stderr by default);
	// send its lines to the collector's log instead.
	redis.SetLogger(goRedisLogger{s.logger})
	tlsConfig, err := s.cfg.TLS.LoadTLSConfig(ctx)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	s.rdb = redis.NewClient(&redis.Options{
		Addr:        s.cfg.Endpoint,
		Username:    s.cfg.Username,
		Password:    string(s.cfg.Password),
		DB:          s.cfg.DB,
		TLSConfig:   tlsConfig,
		DialTimeout: s.cfg.DialTimeout,
		// One dial per attempt: the library's default of 5 dials 100ms
		// apart would hold every write half a second while Redis is down.
		DialerRetries: 1,
		ReadTimeout:   s.cfg.ReadTimeout,
		WriteTimeout:  s.cfg.WriteTimeout,
		// Callers' deadlines bound commands too.
		ContextTimeoutEnabled: true,
		// One retry: a second attempt on a fresh connection covers a
		// connection Redis closed while idle; more would only delay the
		// error (and the 503) while Redis is down.
		MaxRetries: 1,
	})
	pingCtx, cancel := context.WithTimeout(ctx, s.cfg.DialTimeout+s.cfg.ReadTimeout)
	defer cancel()
	if err := s.rdb.Ping(pingCtx).Err(); err != nil {
		_ = s.rdb.Close()
		s.rdb = nil
		return fmt.Errorf("redis at %s does not answer: %w", s.cfg.Endpoint, err)
	}
	return nil
}

func (s *redisStorage) Shutdown(context.Context) error {
	s.stopOnce.Do(func() { close(s.stopping) })
	if s.rdb == nil {
		return nil
	}
	err := s.rdb.Close()
	s.rdb = nil
	return err
}

// GetClient returns a client whose keys live under the extension's prefix
// and the component's namespace: prefix:{extension/kind/component/name}:key.
// The braces make every key of one client hash to the same Redis Cluster
// slot, which a Batch (one script) needs.
func (s *redisStorage) GetClient(_ context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	if s.rdb == nil {
		return nil, errors.New("redis_storage is not started")
	}
	parts := []string{s.id.String(), strings.ToLower(kind.String()), id.String()}
	if name != "" {
		parts = append(parts, name)
	}
	namespace := s.cfg.Prefix + ":{" + strings.Join(parts, "/") + "}:"
	s.mu.Lock()
	s.namespaces[namespace] = true
	s.mu.Unlock()
	return &client{rdb: s.rdb, namespace: namespace, expiration: s.cfg.Expiration, logger: s.logger, stopping: s.stopping}, nil
}

// QueueStatus pings Redis and reads the state of every persistent queue
// that asked for a client.
func (s *redisStorage) QueueStatus(ctx context.Context) queuehealth.Status {
	if s.rdb == nil {
		return queuehealth.Status{Backend: "redis", Err: errors.New("redis_storage is not started")}
	}
	start := time.Now()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return queuehealth.Status{Backend: "redis", Err: fmt.Errorf("redis at %s: %w", s.cfg.Endpoint, err)}
	}
	status := queuehealth.Status{Backend: "redis", Up: true, Latency: time.Since(start)}
	s.mu.Lock()
	namespaces := make([]string, 0, len(s.namespaces))
	for ns := range s.namespaces {
		namespaces = append(namespaces, ns)
	}
	s.mu.Unlock()
	for _, ns := range namespaces {
		raw, err := s.rdb.Get(ctx, ns+queuehealth.MetadataKey).Bytes()
		if errors.Is(err, redis.Nil) {
			continue // not a queue, or an empty one
		}
		if err != nil {
			status.Err = err
			continue
		}
		m, err := queuehealth.DecodeMetadata(raw)
		if err != nil {
			status.Err = fmt.Errorf("queue state under %s: %w", ns, err)
			continue
		}
		status.Items += m.Items
		status.Requests += m.Requests()
	}
	return status
}

// goRedisLogger writes go-redis's log lines (failed dials, pool events) to
// the collector's logger.
type goRedisLogger struct{ logger *zap.Logger }

func (l goRedisLogger) Printf(_ context.Context, format string, v ...any) {
	l.logger.Warn("Redis client: " + fmt.Sprintf(format, v...))
}
