package logapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
