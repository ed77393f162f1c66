package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/paylog/paylog/extension/logstore"
	"github.com/paylog/paylog/extension/searchapi/internal/metadata"
	"github.com/paylog/paylog/internal/httpapi"
)

const healthCheckTimeout = 5 * time.Second

// handleRoot serves the log explorer to browsers and the status to API
// clients (the seed's GET /): HTML only when the client asks for it.
func (s *searchAPI) handleRoot(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		s.serveWebFile(w, r, "web/index.html")
		return
	}
	s.handleStatus(w, r)
}

// handleStatus answers GET /api: the service and its routes.
func (s *searchAPI) handleStatus(w http.ResponseWriter, r *http.Request) {
	httpapi.CorrelationID(w, r)
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{
		"message":   "paylog is alive",
		"service":   "paylog",
		"timestamp": time.Now().UTC(),
		"endpoints": []string{"POST /logs/ingest", "POST /logs/batch-ingest", "GET /logs/search", "GET /logs/patterns", "GET /logs/histogram", "GET /logs/tail", "GET /health", "GET /metrics", "GET /openapi.json", "GET /docs"},
	})
}

type checkResult struct {
	Status  string `json:"status"`
	Backend string `json:"backend,omitempty"`
	Rows    uint64 `json:"rows"`
	// ClusterStatus is Elasticsearch's cluster health: green, yellow, red.
	ClusterStatus string `json:"cluster_status,omitempty"`
	Error         string `json:"error,omitempty"`
}

// queueCheck reports the persistent queues' backend: items are log records
// waiting in the queues, requests the ingest requests carrying them.
type queueCheck struct {
	Status    string  `json:"status"`
	Backend   string  `json:"backend"`
	Items     int64   `json:"items"`
	Requests  int64   `json:"requests"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

func (s *searchAPI) handleHealth(w http.ResponseWriter, r *http.Request) {
	httpapi.CorrelationID(w, r)
	ctx, cancel := context.WithTimeout(r.Context(), healthCheckTimeout)
	defer cancel()
	status, code := "healthy", http.StatusOK
	checkErr := s.store.Check(ctx)
	// Read after the check: it refreshes what an Elasticsearch backend reports.
	stats := s.store.Stats()
	store := checkResult{Status: "ok", Backend: stats.Backend, Rows: stats.Rows, ClusterStatus: stats.ClusterStatus}
	if checkErr != nil {
		store.Status, store.Error = "failing", checkErr.Error()
		status, code = "unhealthy", http.StatusServiceUnavailable
	}
	checks := map[string]any{"store": store}
	if s.queue != nil {
		q := s.queue.QueueStatus(ctx)
		queue := queueCheck{Status: "ok", Backend: q.Backend, Items: q.Items, Requests: q.Requests,
			LatencyMS: float64(q.Latency.Microseconds()) / 1000}
		if q.Err != nil {
			queue.Error = q.Err.Error()
		}
		if !q.Up {
			// Ingest answers 503 too: nothing can be queued.
			queue.Status = "failing"
			status, code = "unhealthy", http.StatusServiceUnavailable
		}
		checks["queue"] = queue
	}
	pipelines := "ready"
	if !s.ready.Load() {
		// Starting (receivers not up yet) or shutting down.
		pipelines, status, code = "not ready", "unhealthy", http.StatusServiceUnavailable
	}
	checks["pipelines"] = pipelines
	httpapi.WriteJSON(w, code, map[string]any{
		"status":         status,
		"timestamp":      time.Now().UTC(),
		"uptime_seconds": int64(time.Since(s.started).Seconds()),
		"checks":         checks,
	})
}

// requestStats counts API requests by route and status for /metrics.
type requestStats struct {
	mu      sync.Mutex
	count   map[routeStatus]uint64
	seconds map[string]float64
	total   map[string]uint64
}

type routeStatus struct {
	route  string
	status int
}

func (rs *requestStats) record(route string, status int, took time.Duration) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.count == nil {
		rs.count, rs.seconds, rs.total = map[routeStatus]uint64{}, map[string]float64{}, map[string]uint64{}
	}
	rs.count[routeStatus{route, status}]++
	rs.seconds[route] += took.Seconds()
	rs.total[route]++
}

// register publishes the request counts and times as the component's
// telemetry: the same numbers /metrics shows.
func (rs *requestStats) register(tb *metadata.TelemetryBuilder) error {
	return errors.Join(
		tb.RegisterPaylogAPIRequestsCallback(func(_ context.Context, o metric.Int64Observer) error {
			rs.mu.Lock()
			defer rs.mu.Unlock()
			for k, n := range rs.count {
				o.Observe(int64(n), metric.WithAttributes(attribute.String("route", k.route), attribute.Int("code", k.status)))
			}
			return nil
		}),
		tb.RegisterPaylogAPIRequestDurationCallback(func(_ context.Context, o metric.Float64Observer) error {
			rs.mu.Lock()
			defer rs.mu.Unlock()
			for route, seconds := range rs.seconds {
				o.Observe(seconds, metric.WithAttributes(attribute.String("route", route)))
			}
			return nil
		}),
	)
}

// handleMetrics serves the store's size and the API's request counts in
// the Prometheus text format.
func (s *searchAPI) handleMetrics(w http.ResponseWriter, _ *http.Request) {
	st := s.store.Stats()
	var b strings.Builder
	metric := func(kind, name, help, value string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, kind, name, value)
	}
	gauge := func(name, help string, v uint64) { metric("gauge", name, help, strconv.FormatUint(v, 10)) }
	counter := func(name, help string, v uint64) { metric("counter", name, help, strconv.FormatUint(v, 10)) }
	gauge("paylog_store_rows", "Log records in the store.", st.Rows)
	gauge("paylog_store_compressed_bytes", "Size of the stored logs on disk and in memory, compressed.", st.CompressedBytes)
	gauge("paylog_store_uncompressed_bytes", "Size of the stored logs before compression.", st.UncompressedBytes)
	gauge("paylog_store_partitions", "Day partitions in the store.", st.Partitions)
	counter("paylog_store_dropped_out_of_window_total", "Records the store dropped for a timestamp outside retention.", st.DroppedOutOfWindow)
	counter("paylog_store_shortened_records_total", "Records shortened to fit the store's limits.", st.ShortenedRecords)
	if st.Backend == logstore.BackendEmbedded {
		counter("paylog_store_durability_points_total", "Durability points the store ran: each makes the rows added before it safe on disk, and the exporter then deletes them from its queue.", st.DurabilityPoints)
		counter("paylog_store_durability_point_errors_total", "Durability points that failed; their rows stayed in the queue to be written again.", st.DurabilityPointErrors)
		metric("counter", "paylog_store_durability_point_seconds_total", "Time the store spent in durability points.", strconv.FormatFloat(st.DurabilityPointTime.Seconds(), 'g', -1, 64))
	}

	s.stats.mu.Lock()
	keys := make([]routeStatus, 0, len(s.stats.count))
	for k := range s.stats.count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].status < keys[j].status
	})
	b.WriteString("# HELP paylog_api_requests_total API requests by route and status code.\n# TYPE paylog_api_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "paylog_api_requests_total{route=%q,code=\"%d\"} %d\n", k.route, k.status, s.stats.count[k])
	}
	b.WriteString("# HELP paylog_api_request_duration_seconds Time spent answering API requests.\n# TYPE paylog_api_request_duration_seconds summary\n")
	routes := make([]string, 0, len(s.stats.total))
	for route := range s.stats.total {
		routes = append(routes, route)
	}
	sort.Strings(routes)
	for _, route := range routes {
		fmt.Fprintf(&b, "paylog_api_request_duration_seconds_sum{route=%q} %g\n", route, s.stats.seconds[route])
		fmt.Fprintf(&b, "paylog_api_request_duration_seconds_count{route=%q} %d\n", route, s.stats.total[route])
	}
	s.stats.mu.Unlock()

	s.mountsMu.RLock()
	ids := make([]int, 0, len(s.metricWriters))
	for id := range s.metricWriters {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		s.metricWriters[id](&b)
	}
	s.mountsMu.RUnlock()

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}
