package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"

	"github.com/paylog/paylog/extension/logstore"
	"github.com/paylog/paylog/extension/searchapi/internal/metadata"
	"github.com/paylog/paylog/internal/hostext"
	"github.com/paylog/paylog/internal/httpapi"
	"github.com/paylog/paylog/internal/queuehealth"
)

type searchAPI struct {
	cfg      *Config
	settings extension.Settings
	started  time.Time

	store  logstore.Store
	queue  queuehealth.Reporter // nil without cfg.Queue
	server *http.Server

	mountsMu sync.RWMutex
	mounts   map[string]http.Handler
	// metricWriters add mounted receivers' counts to /metrics.
	metricWriters map[int]func(io.Writer)
	metricsSeq    int

	stats requestStats
	// tails counts the live tails being served.
	tails atomic.Int32
	// telemetry publishes stats as the collector's own metrics.
	telemetry *metadata.TelemetryBuilder

	// ready is set once every pipeline has started (receivers included), so
	// /health does not report healthy while ingest routes are still missing.
	ready atomic.Bool
}

var (
	_ extensioncapabilities.Dependent       = (*searchAPI)(nil)
	_ extensioncapabilities.PipelineWatcher = (*searchAPI)(nil)
	_ httpapi.Mounter                       = (*searchAPI)(nil)
)

// Ready is called by the collector once every pipeline has started.
func (s *searchAPI) Ready() error {
	s.ready.Store(true)
	return nil
}

// NotReady is called when the collector begins shutting down.
func (s *searchAPI) NotReady() error {
	s.ready.Store(false)
	return nil
}

func newSearchAPI(cfg *Config, set extension.Settings) *searchAPI {
	return &searchAPI{cfg: cfg, settings: set, mounts: map[string]http.Handler{}, metricWriters: map[int]func(io.Writer){}}
}

// Dependencies makes the collector start the logstore extension first.
func (s *searchAPI) Dependencies() []component.ID {
	deps := []component.ID{s.cfg.LogStore}
	if s.cfg.Queue != nil {
		deps = append(deps, *s.cfg.Queue)
	}
	return deps
}

func (s *searchAPI) Start(ctx context.Context, host component.Host) error {
	store, err := logstore.FromHost(host, s.cfg.LogStore)
	if err != nil {
		return err
	}
	s.store = store
	telemetry, err := metadata.NewTelemetryBuilder(s.settings.TelemetrySettings)
	if err != nil {
		return err
	}
	if err := s.stats.register(telemetry); err != nil {
		telemetry.Shutdown()
		return err
	}
	s.telemetry = telemetry
	if s.cfg.Queue != nil {
		reporter, err := hostext.Find[queuehealth.Reporter](host, "queue", *s.cfg.Queue,
			"an extension that reports on its queues (redis_storage is)")
		if err != nil {
			return err
		}
		s.queue = reporter
	}
	s.started = time.Now()
	srv, err := httpapi.StartServer(ctx, &s.cfg.ServerConfig, host, s.settings.TelemetrySettings, s.routes())
	if err != nil {
		return fmt.Errorf("start search API server: %w", err)
	}
	s.server = srv
	return nil
}

// Shutdown stops the server; safe without Start and when called twice.
func (s *searchAPI) Shutdown(ctx context.Context) error {
	if s.telemetry != nil {
		s.telemetry.Shutdown()
		s.telemetry = nil
	}
	srv := s.server
	s.server = nil
	return httpapi.StopServer(ctx, srv)
}

func (s *searchAPI) Mount(path string, h http.Handler) (func(), error) {
	s.mountsMu.Lock()
	defer s.mountsMu.Unlock()
	if _, taken := s.mounts[path]; taken {
		return nil, fmt.Errorf("path %s is already mounted on the search API", path)
	}
	s.mounts[path] = h
	return func() {
		s.mountsMu.Lock()
		delete(s.mounts, path)
		s.mountsMu.Unlock()
	}, nil
}

func (s *searchAPI) AddMetrics(write func(w io.Writer)) func() {
	s.mountsMu.Lock()
	defer s.mountsMu.Unlock()
	s.metricsSeq++
	id := s.metricsSeq
	s.metricWriters[id] = write
	return func() {
		s.mountsMu.Lock()
		delete(s.metricWriters, id)
		s.mountsMu.Unlock()
	}
}

// apiRoute is one route searchapi serves; GET routes answer HEAD too.
type apiRoute struct {
	method, path string
	handler      http.HandlerFunc
}

// apiRoutes lists every route, for the mux and for the test that holds
// openapi.json to them. A path ending in / serves the files below it.
func (s *searchAPI) apiRoutes() []apiRoute {
	return []apiRoute{
		{http.MethodGet, "/", s.handleRoot},
		{http.MethodGet, "/api", s.handleStatus},
		{http.MethodGet, "/health", s.handleHealth},
		{http.MethodGet, "/metrics", s.handleMetrics},
		{http.MethodGet, "/openapi.json", s.handleOpenAPI},
		{http.MethodGet, "/docs", s.handleDocs},
		{http.MethodGet, "/ui/", s.handleAssets},
		{http.MethodGet, "/logs/search", s.handleSearch},
		// The seed's first version searched with a JSON body; it keeps working.
		{http.MethodPost, "/logs/search", s.handleSearch},
		{http.MethodGet, "/logs/patterns", s.handlePatterns},
		{http.MethodGet, "/logs/histogram", s.handleHistogram},
		{http.MethodGet, "/logs/tail", s.handleTail},
	}
}

func (s *searchAPI) routes() http.Handler {
	mux := http.NewServeMux()
	for _, route := range s.apiRoutes() {
		path := route.path
		if path == "/" {
			path = "/{$}" // the root only, not every path
		}
		mux.HandleFunc(route.method+" "+path, route.handler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mountsMu.RLock()
		h := s.mounts[r.URL.Path]
		s.mountsMu.RUnlock()
		if h != nil {
			h.ServeHTTP(w, r)
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			s.notFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// notFound answers unknown paths and wrong methods in the API's JSON shape.
func (s *searchAPI) notFound(w http.ResponseWriter, r *http.Request) {
	id := httpapi.CorrelationID(w, r)
	switch r.URL.Path {
	case "/", "/api", "/health", "/metrics", "/logs/patterns", "/logs/histogram", "/logs/tail", "/openapi.json", "/docs":
		w.Header().Set("Allow", "GET, HEAD")
		httpapi.WriteError(w, http.StatusMethodNotAllowed, httpapi.CodeMethodNotAllowed, "", r.Method+" is not allowed on "+r.URL.Path, id)
	case "/logs/ingest", "/logs/batch-ingest":
		httpapi.WriteError(w, http.StatusNotFound, httpapi.CodeNotFound, "", "ingest is not enabled on this server: configure a logapi receiver with mount_on: searchapi", id)
	default:
		httpapi.WriteError(w, http.StatusNotFound, httpapi.CodeNotFound, "", "no route "+r.URL.Path, id)
	}
}
