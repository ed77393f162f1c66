package logapi // import "github.com/paylog/paylog/receiver/logapi"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/paylog/paylog/receiver/logapi/internal/metadata"
)

// ingestStats counts what the JSON API took and refused. The same counts
// feed the collector's telemetry (metadata.yaml) and the searchapi's
// /metrics, so the two never disagree.
type ingestStats struct {
	mu       sync.Mutex
	accepted int64
	rejected map[string]int64    // by field
	requests map[routeCode]int64 // by route and status
}

type routeCode struct {
	route string
	code  int
}

func newIngestStats() *ingestStats {
	return &ingestStats{rejected: map[string]int64{}, requests: map[routeCode]int64{}}
}

// request records one answered request and the entries it decided on.
func (s *ingestStats) request(route string, code int, accepted int, rejectedBy map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[routeCode{route, code}]++
	if code == http.StatusOK {
		s.accepted += int64(accepted)
	}
	for field, n := range rejectedBy {
		s.rejected[field] += int64(n)
	}
}

// register publishes the counts as the component's telemetry.
func (s *ingestStats) register(tb *metadata.TelemetryBuilder) error {
	return errors.Join(
		tb.RegisterPaylogIngestEntriesAcceptedCallback(func(_ context.Context, o metric.Int64Observer) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			o.Observe(s.accepted)
			return nil
		}),
		tb.RegisterPaylogIngestEntriesRejectedCallback(func(_ context.Context, o metric.Int64Observer) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			for field, n := range s.rejected {
				o.Observe(n, metric.WithAttributes(attribute.String("field", field)))
			}
			return nil
		}),
		tb.RegisterPaylogIngestRequestsCallback(func(_ context.Context, o metric.Int64Observer) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			for k, n := range s.requests {
				o.Observe(n, metric.WithAttributes(attribute.String("route", k.route), attribute.Int("code", k.code)))
			}
			return nil
		}),
	)
}

// writePrometheus writes the counts in the Prometheus text format, under
// the names the collector's Prometheus telemetry gives them, without its
// otelcol_ prefix.
func (s *ingestStats) writePrometheus(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(w, "# HELP paylog_ingest_entries_accepted_total Log entries the JSON API accepted.\n"+
		"# TYPE paylog_ingest_entries_accepted_total counter\npaylog_ingest_entries_accepted_total %d\n", s.accepted)
	fields := make([]string, 0, len(s.rejected))
	for field := range s.rejected {
		fields = append(fields, field)
	}
	sort.Strings(fields)
	fmt.Fprintf(w, "# HELP paylog_ingest_entries_rejected_total Log entries the JSON API rejected, by the field at fault.\n"+
		"# TYPE paylog_ingest_entries_rejected_total counter\n")
	for _, field := range fields {
		fmt.Fprintf(w, "paylog_ingest_entries_rejected_total{field=%q} %d\n", field, s.rejected[field])
	}
	keys := make([]routeCode, 0, len(s.requests))
	for k := range s.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].code < keys[j].code
	})
	fmt.Fprintf(w, "# HELP paylog_ingest_requests_total Requests to the JSON API by route and status code.\n"+
		"# TYPE paylog_ingest_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(w, "paylog_ingest_requests_total{code=\"%d\",route=%q} %d\n", k.code, k.route, s.requests[k])
	}
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
