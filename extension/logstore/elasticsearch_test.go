package logstore

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/extension/logstore/internal/metadata"
)

// The elasticsearch backend as configured: TLS from configtls (a CA file),
// the API key from configopaque, health in Stats, and no writes.
func TestElasticsearchBackendFromConfig(t *testing.T) {
	var gotAuth atomic.Value // the start's own check may run beside the test's
	es := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/_cluster/health":
			_, _ = w.Write([]byte(`{"cluster_name":"paylog","status":"green","timed_out":false}`))
		case "/logs-paylog.otel-default/_count":
			_, _ = w.Write([]byte(`{"count":42,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer es.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: es.Certificate().Raw}), 0o600))

	start := func(withCA bool) Store {
		cfg := createDefaultConfig().(*Config)
		cfg.Backend = BackendElasticsearch
		cfg.Elasticsearch.Endpoints = []string{es.URL}
		cfg.Elasticsearch.APIKey = "c2VjcmV0OmtleQ=="
		if withCA {
			cfg.Elasticsearch.TLS.CAFile = caFile
		}
		require.NoError(t, cfg.Validate())
		ext, err := NewFactory().Create(context.Background(), extension.Settings{
			ID: component.NewID(metadata.Type), TelemetrySettings: componenttest.NewNopTelemetrySettings(),
		}, cfg)
		require.NoError(t, err)
		require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
		t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
		return ext.(Store)
	}

	untrusted := start(false)
	assert.ErrorContains(t, untrusted.Check(context.Background()), "certificate")
	assert.Equal(t, Stats{Backend: "elasticsearch"}, untrusted.Stats())

	store := start(true)
	require.NoError(t, store.Check(context.Background()))
	assert.Equal(t, "ApiKey c2VjcmV0OmtleQ==", gotAuth.Load())
	assert.Equal(t, Stats{Backend: "elasticsearch", Rows: 42, ClusterStatus: "green"}, store.Stats())
	assert.False(t, store.Writable())
	assert.ErrorContains(t, store.Write(context.Background(), plog.NewLogs()), "read-only")
}
