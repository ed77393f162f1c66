package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestTracesCarryCorrelationID runs the default config with the
// deploy/tracing.yaml overlay against a local OTLP/HTTP endpoint: ingest and
// search requests each produce a span carrying the request's correlation id.
func TestTracesCarryCorrelationID(t *testing.T) {
	var (
		mu    sync.Mutex
		spans = map[string]string{} // correlation id → span name
	)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var u ptrace.ProtoUnmarshaler
		td, err := u.UnmarshalTraces(raw)
		if r.URL.Path != "/v1/traces" || err != nil {
			http.Error(w, "not OTLP traces", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			for j := 0; j < td.ResourceSpans().At(i).ScopeSpans().Len(); j++ {
				ss := td.ResourceSpans().At(i).ScopeSpans().At(j).Spans()
				for k := 0; k < ss.Len(); k++ {
					if id, ok := ss.At(k).Attributes().Get("paylog.correlation_id"); ok {
						spans[id.Str()] = ss.At(k).Name()
					}
				}
			}
		}
	}))
	defer sink.Close()

	config := filepath.Join(repoRoot(), "collector-config.yaml") + "," + filepath.Join(repoRoot(), "deploy", "tracing.yaml")
	c := startCollectorWith(t, t.TempDir(), config, "PAYLOG_TRACES_ENDPOINT="+sink.URL)
	ingest := c.do(t, http.MethodPost, "/logs/ingest", "application/json",
		[]byte(`{"level":"ERROR","message":"traced entry","source":"web-1"}`), map[string]string{"X-Request-ID": "trace-me-ingest-1"})
	require.Equal(t, http.StatusOK, ingest.status, "%s", ingest.raw)
	search := c.do(t, http.MethodGet, "/logs/search?query=traced", "", nil, map[string]string{"X-Request-ID": "trace-me-search-1"})
	require.Equal(t, http.StatusOK, search.status, "%s", search.raw)

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return spans["trace-me-ingest-1"] != "" && spans["trace-me-search-1"] != ""
	}, 20*time.Second, 100*time.Millisecond, "no spans with the correlation ids reached the OTLP endpoint")
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, spans["trace-me-ingest-1"], "/logs/ingest")
	assert.Contains(t, spans["trace-me-search-1"], "/logs/search")
}
