package logapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/paylog/paylog/receiver/logapi/internal/metadata"
)

func newTestReceiver(t *testing.T, next consumer.Logs) *logAPIReceiver {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	r, err := newLogAPIReceiver(cfg, receivertest.NewNopSettings(metadata.Type), next)
	require.NoError(t, err)
	return r
}

func post(r *logAPIReceiver, path, body string) (*httptest.ResponseRecorder, map[string]any) {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	if path == pathIngest {
		r.handleIngest(w, req)
	} else {
		r.handleBatchIngest(w, req)
	}
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w, out
}

const oneEntry = `{"level":"INFO","message":"m","source":"s"}`

func TestPipelineRefusalIsRetryable(t *testing.T) {
	r := newTestReceiver(t, consumertest.NewErr(errors.New("sending queue is full")))
	w, body := post(r, pathIngest, oneEntry)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Equal(t, "unavailable", body["error"])
	assert.Contains(t, body["message"], "sending queue is full")
	assert.Equal(t, false, body["success"])
}

func TestPermanentPipelineErrorIsNotBlamedOnTheClient(t *testing.T) {
	r := newTestReceiver(t, consumertest.NewErr(consumererror.NewPermanent(errors.New("broken exporter"))))
	w, body := post(r, pathBatchIngest, "["+oneEntry+"]")
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, "internal", body["error"])
}

func TestOnlyValidEntriesReachThePipeline(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := newTestReceiver(t, sink)
	w, body := post(r, pathBatchIngest, `[`+oneEntry+`,{"level":"INFO"},`+oneEntry+`]`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.EqualValues(t, 2, body["accepted"])
	assert.EqualValues(t, 1, body["rejected"])
	assert.Equal(t, 2, sink.LogRecordCount())

	// Nothing valid: the pipeline is not called.
	w, _ = post(r, pathBatchIngest, `[{"level":"INFO"}]`)
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Equal(t, 2, sink.LogRecordCount())
}

// TestRateLimitPerClient: with 10 entries/s and a burst of 20 a client's
// second batch of 15 waits (429, Retry-After, nothing sent on), another
// tenant is not held up, and after the delay the client is served again.
func TestRateLimitPerClient(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Limits.MaxBatchSize = 20
	cfg.RateLimit = RateLimitConfig{EntriesPerSecond: 10, Burst: 20}
	sink := new(consumertest.LogsSink)
	r, err := newLogAPIReceiver(cfg, receivertest.NewNopSettings(metadata.Type), sink)
	require.NoError(t, err)
	batch := "[" + strings.TrimSuffix(strings.Repeat(oneEntry+",", 15), ",") + "]"
	send := func(tenantName string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, pathBatchIngest, strings.NewReader(batch))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Scope-OrgID", tenantName)
		w := httptest.NewRecorder()
		r.handleBatchIngest(w, req)
		return w
	}
	require.Equal(t, http.StatusOK, send("acme").Code)
	w := send("acme")
	require.Equal(t, http.StatusTooManyRequests, w.Code, w.Body.String())
	assert.Equal(t, "1", w.Header().Get("Retry-After"), "10 entries short at 10/s: 1 s")
	assert.Contains(t, w.Body.String(), "rate limit")
	assert.Equal(t, 15, sink.LogRecordCount(), "the refused batch went nowhere")
	require.Equal(t, http.StatusOK, send("globex").Code, "another client has its own bucket")

	// The bucket refills at the configured rate.
	now := time.Now()
	l := r.limiter
	assert.Zero(t, l.take("tenant:acme", 5, now.Add(1100*time.Millisecond)))
	// 5 left + 1.1 s × 10 = 16, less 5 = 11: 15 more need 0.4 s.
	assert.InDelta(t, 0.4, l.take("tenant:acme", 15, now.Add(1100*time.Millisecond)).Seconds(), 0.1)
}
