package logstore // import "github.com/paylog/paylog/extension/logstore"

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/paylog/paylog/extension/logstore/internal/embedded"
	"github.com/paylog/paylog/internal/hostext"
	"github.com/paylog/paylog/internal/logquery"
)

// Store is what the logstore extension lends to other components.
// All methods are safe for concurrent use.
type Store interface {
	// Writable reports whether Write can store logs: the elasticsearch
	// backend only searches what the elasticsearch exporter writes.
	Writable() bool
	// Write stores ld and returns once it is durable (survives kill -9).
	Write(ctx context.Context, ld plog.Logs) error
	// WriteBatch stores b (made by NewBatch or UnmarshalBatch) as Write.
	WriteBatch(ctx context.Context, b *Batch) error
	// Search runs one search request.
	Search(ctx context.Context, req *logquery.Request) (*logquery.Result, error)
	// Patterns aggregates matching records by pattern, most frequent first.
	Patterns(ctx context.Context, req *logquery.PatternsRequest) ([]logquery.PatternSummary, error)
	// Histogram counts matching records per time bucket and level.
	Histogram(ctx context.Context, req *logquery.HistogramRequest) (*logquery.Histogram, error)
	// Check reports whether the store can answer queries.
	Check(ctx context.Context) error
	// Stats returns the store's size.
	Stats() Stats
}

// Stats describes the store's contents.
type Stats struct {
	Backend            string
	Rows               uint64
	CompressedBytes    uint64
	UncompressedBytes  uint64
	Partitions         uint64
	DroppedOutOfWindow uint64
	ShortenedRecords   uint64
	ReadOnly           bool
	// DurabilityPoints, DurabilityPointErrors and DurabilityPointTime are
	// the embedded store's durability points since start: how many ran,
	// how many failed, and the time they took.
	DurabilityPoints      uint64
	DurabilityPointErrors uint64
	DurabilityPointTime   time.Duration
	// ClusterStatus is the Elasticsearch cluster's health (green, yellow,
	// red) at the last check; empty for the embedded store.
	ClusterStatus string
}

// Batch is log records already converted to the embedded store's rows. The
// logstore exporter converts each request as it arrives and queues batches
// in this form, so that reading its queue back and writing costs no pdata.
type Batch = embedded.Batch

// NewBatch converts the records of ld to a Batch.
func NewBatch(ld plog.Logs) *Batch { return embedded.NewBatch(ld) }

// UnmarshalBatch decodes a batch written by Batch.AppendBinary.
func UnmarshalBatch(data []byte) (*Batch, error) { return embedded.UnmarshalBatch(data) }

// IsEncodedBatch reports whether data starts like Batch.AppendBinary's output.
func IsEncodedBatch(data []byte) bool { return embedded.IsEncodedBatch(data) }

// FromHost returns the Store of the logstore extension id.
func FromHost(host component.Host, id component.ID) (Store, error) {
	return hostext.Find[Store](host, "logstore", id, "a logstore extension")
}

// ErrNotStarted is returned by a store used before Start or after Shutdown.
var ErrNotStarted = errors.New("log store is not running")

type logStore struct {
	cfg    *Config
	logger *zap.Logger

	mu          sync.RWMutex
	engine      *embedded.Engine
	shortened   atomic.Uint64
	outOfWindow atomic.Uint64
}

var _ Store = (*logStore)(nil)

func newLogStore(cfg *Config, logger *zap.Logger) *logStore {
	return &logStore{cfg: cfg, logger: logger}
}

func (s *logStore) Start(context.Context, component.Host) error {
	e := s.cfg.Embedded
	engine, err := embedded.Open(embedded.Config{
		Path:               e.Path,
		Retention:          e.Retention,
		FutureRetention:    e.FutureRetention,
		MaxDiskUsageBytes:  e.MaxDiskUsageBytes,
		FlushInterval:      e.FlushInterval,
		MinFreeDiskBytes:   e.MinFreeDiskBytes,
		DurabilityInterval: e.DurabilityInterval,
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.engine = engine
	s.mu.Unlock()
	s.logger.Info("Embedded log store opened", zap.String("path", e.Path), zap.Duration("retention", e.Retention))
	return nil
}

// Shutdown waits for pending durability points and closes the store. It is
// safe without Start and when called twice.
func (s *logStore) Shutdown(context.Context) error {
	s.mu.Lock()
	engine := s.engine
	s.engine = nil
	s.mu.Unlock()
	if engine != nil {
		engine.Close()
	}
	return nil
}

// running returns the open engine and a release func; Shutdown waits for
// callers holding it, so the engine is never closed under a write or query.
func (s *logStore) running() (*embedded.Engine, func(), error) {
	s.mu.RLock()
	if s.engine == nil {
		s.mu.RUnlock()
		return nil, nil, ErrNotStarted
	}
	return s.engine, s.mu.RUnlock, nil
}

func (*logStore) Writable() bool { return true }

func (s *logStore) Write(ctx context.Context, ld plog.Logs) error {
	return s.WriteBatch(ctx, NewBatch(ld))
}

func (s *logStore) WriteBatch(ctx context.Context, b *Batch) error {
	engine, release, err := s.running()
	if err != nil {
		return err
	}
	defer release()
	res, err := engine.AddBatch(b)
	if err != nil {
		// Retryable: the batch stays in the persistent queue.
		return err
	}
	if res.Shortened > 0 {
		s.shortened.Add(uint64(res.Shortened))
		s.logger.Warn("Records shortened to fit the store's limits", zap.Int("records", res.Shortened))
	}
	if res.OutOfWindow > 0 {
		s.outOfWindow.Add(uint64(res.OutOfWindow))
		s.logger.Warn("Records dropped: timestamp outside the store's retention window",
			zap.Int("records", res.OutOfWindow), zap.Duration("retention", s.cfg.Embedded.Retention),
			zap.Duration("future_retention", s.cfg.Embedded.FutureRetention))
	}
	return engine.WaitDurable(ctx)
}

func (s *logStore) Search(ctx context.Context, req *logquery.Request) (*logquery.Result, error) {
	engine, release, err := s.running()
	if err != nil {
		return nil, err
	}
	defer release()
	return engine.Search(ctx, req)
}

func (s *logStore) Histogram(ctx context.Context, req *logquery.HistogramRequest) (*logquery.Histogram, error) {
	engine, release, err := s.running()
	if err != nil {
		return nil, err
	}
	defer release()
	return engine.Histogram(ctx, req)
}

func (s *logStore) Patterns(ctx context.Context, req *logquery.PatternsRequest) ([]logquery.PatternSummary, error) {
	engine, release, err := s.running()
	if err != nil {
		return nil, err
	}
	defer release()
	return engine.Patterns(ctx, req)
}

func (s *logStore) Check(ctx context.Context) error {
	engine, release, err := s.running()
	if err != nil {
		return err
	}
	defer release()
	if engine.ReadOnly() {
		return errors.New("log store is read-only: the disk is almost full")
	}
	return engine.Check(ctx)
}

func (s *logStore) Stats() Stats {
	engine, release, err := s.running()
	if err != nil {
		return Stats{Backend: s.cfg.Backend}
	}
	defer release()
	st := engine.Stats()
	return Stats{
		Backend:            s.cfg.Backend,
		Rows:               st.Rows,
		CompressedBytes:    st.CompressedBytes,
		UncompressedBytes:  st.UncompressedBytes,
		Partitions:         st.Partitions,
		DroppedOutOfWindow: st.DroppedOutOfWindow + s.outOfWindow.Load(),
		ShortenedRecords:   s.shortened.Load(),
		ReadOnly:           st.ReadOnly,

		DurabilityPoints:      st.DurabilityPoints,
		DurabilityPointErrors: st.DurabilityPointErrors,
		DurabilityPointTime:   st.DurabilityPointTime,
	}
}
