package logstore // import "github.com/paylog/paylog/extension/logstore"

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/paylog/paylog/extension/logstore/internal/elasticsearch"
	"github.com/paylog/paylog/internal/logquery"
)

// esStore is the elasticsearch backend: searches, pattern aggregations and
// health over the cluster the elasticsearch exporter writes to.
type esStore struct {
	cfg    *Config
	logger *zap.Logger

	mu     sync.RWMutex
	client *elasticsearch.Client

	firstCheck     sync.WaitGroup
	stopFirstCheck context.CancelFunc
}

var _ Store = (*esStore)(nil)

func newESStore(cfg *Config, logger *zap.Logger) *esStore {
	return &esStore{cfg: cfg, logger: logger}
}

// Start prepares the client. An unreachable cluster does not stop the
// collector: ingest keeps queueing, and /health and searches say what fails.
func (s *esStore) Start(ctx context.Context, _ component.Host) error {
	es := s.cfg.Elasticsearch
	tlsConfig, err := es.TLS.LoadTLSConfig(ctx)
	if err != nil {
		return err
	}
	client, err := elasticsearch.New(elasticsearch.Config{
		Endpoints:       es.Endpoints,
		Index:           es.Index,
		APIKey:          string(es.APIKey),
		Username:        es.Username,
		Password:        string(es.Password),
		TLS:             tlsConfig,
		Timeout:         es.Timeout,
		CursorKeepAlive: es.CursorKeepAlive,
		MaxResultWindow: es.MaxResultWindow,
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.client = client
	s.mu.Unlock()
	// The first check only tells the log what to expect; it runs beside the
	// start, which a cluster that does not answer would hold up for Timeout.
	checkCtx, cancel := context.WithTimeout(context.Background(), es.Timeout)
	s.stopFirstCheck = cancel
	s.firstCheck.Go(func() {
		defer cancel()
		if err := client.Check(checkCtx); err != nil {
			s.logger.Warn("Elasticsearch does not answer yet; searches fail until it does", zap.Strings("endpoints", es.Endpoints), zap.Error(err))
			return
		}
		s.logger.Info("Searching Elasticsearch", zap.Strings("endpoints", es.Endpoints), zap.String("index", es.Index),
			zap.String("cluster_status", client.Health().ClusterStatus))
	})
	return nil
}

func (s *esStore) Shutdown(context.Context) error {
	if s.stopFirstCheck != nil {
		s.stopFirstCheck()
	}
	s.firstCheck.Wait()
	s.mu.Lock()
	client := s.client
	s.client = nil
	s.mu.Unlock()
	if client != nil {
		client.Close()
	}
	return nil
}

func (s *esStore) running() (*elasticsearch.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.client == nil {
		return nil, ErrNotStarted
	}
	return s.client, nil
}

var errReadOnlyBackend = errors.New("the elasticsearch backend is read-only: the elasticsearch exporter writes to Elasticsearch")

func (*esStore) Writable() bool { return false }

func (*esStore) Write(context.Context, plog.Logs) error { return errReadOnlyBackend }

func (*esStore) WriteBatch(context.Context, *Batch) error { return errReadOnlyBackend }

func (s *esStore) Search(ctx context.Context, req *logquery.Request) (*logquery.Result, error) {
	client, err := s.running()
	if err != nil {
		return nil, err
	}
	return client.Search(ctx, req)
}

func (s *esStore) Histogram(ctx context.Context, req *logquery.HistogramRequest) (*logquery.Histogram, error) {
	client, err := s.running()
	if err != nil {
		return nil, err
	}
	return client.Histogram(ctx, req)
}

func (s *esStore) Patterns(ctx context.Context, req *logquery.PatternsRequest) ([]logquery.PatternSummary, error) {
	client, err := s.running()
	if err != nil {
		return nil, err
	}
	return client.Patterns(ctx, req)
}

func (s *esStore) Check(ctx context.Context) error {
	client, err := s.running()
	if err != nil {
		return err
	}
	return client.Check(ctx)
}

// Stats reports the document count and cluster status of the last Check.
func (s *esStore) Stats() Stats {
	st := Stats{Backend: BackendElasticsearch}
	client, err := s.running()
	if err != nil {
		return st
	}
	h := client.Health()
	st.ClusterStatus = h.ClusterStatus
	if h.Documents > 0 {
		st.Rows = uint64(h.Documents)
	}
	return st
}
