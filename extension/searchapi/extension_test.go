package searchapi

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/paylog/paylog/extension/logstore"
	"github.com/paylog/paylog/extension/searchapi/internal/metadata"
	"github.com/paylog/paylog/internal/hosttest"
)

// startWithStore starts a real embedded logstore and a searchapi over it.
func startWithStore(t *testing.T) (*searchAPI, string) {
	t.Helper()
	storeFactory := logstore.NewFactory()
	storeCfg := storeFactory.CreateDefaultConfig().(*logstore.Config)
	storeCfg.Embedded.Path = t.TempDir()
	storeID := component.MustNewID("logstore")
	store, err := storeFactory.Create(context.Background(), extension.Settings{ID: storeID, TelemetrySettings: componenttest.NewNopTelemetrySettings()}, storeCfg)
	require.NoError(t, err)
	host := hosttest.WithExtensions(map[component.ID]component.Component{storeID: store})
	require.NoError(t, store.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, store.Shutdown(context.Background())) })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := ln.Addr().String()
	require.NoError(t, ln.Close())

	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.NetAddr.Endpoint = endpoint
	api := newSearchAPI(cfg, extensiontest.NewNopSettings(metadata.Type))
	require.NoError(t, api.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, api.Shutdown(context.Background())) })
	base := "http://" + endpoint
	status, body := get(t, base+"/health")
	require.Equal(t, http.StatusServiceUnavailable, status, "unhealthy until the pipelines have started")
	require.Equal(t, "not ready", body["checks"].(map[string]any)["pipelines"])
	require.NoError(t, api.Ready())
	return api, base
}

func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body), string(raw))
	return resp.StatusCode, body
}

func TestLifecycleAndMounts(t *testing.T) {
	api, _ := startWithStore(t)
	require.NotNil(t, api.server)
	assert.Equal(t, []component.ID{component.MustNewID("logstore")}, api.Dependencies())

	// Shutdown is safe twice and without Start.
	require.NoError(t, newSearchAPI(createDefaultConfig().(*Config), extensiontest.NewNopSettings(metadata.Type)).Shutdown(context.Background()))
}

func TestRoutes(t *testing.T) {
	api, base := startWithStore(t)

	status, body := get(t, base+"/health")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "healthy", body["status"])

	status, body = get(t, base+"/logs/ingest")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body["message"], "mount_on: searchapi")

	unmount, err := api.Mount("/logs/ingest", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"mounted":true}`))
	}))
	require.NoError(t, err)
	_, err = api.Mount("/logs/ingest", http.NotFoundHandler())
	assert.ErrorContains(t, err, "already mounted")
	status, body = get(t, base+"/logs/ingest")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, true, body["mounted"])
	unmount()
	status, _ = get(t, base+"/logs/ingest")
	assert.Equal(t, http.StatusNotFound, status)

	status, body = get(t, base+"/nope")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "not_found", body["error"])

	resp, err := http.Post(base+"/health", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	resp, err = http.Post(base+"/logs/search", "application/json", strings.NewReader(`{"query": "error", "level": ["ERROR", "CRITICAL"], "limit": 50}`))
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	assert.Contains(t, string(raw), `"limit":50`)

	resp, err = http.Post(base+"/logs/search", "application/json", strings.NewReader(`{"limit": {"x": 1}}`))
	require.NoError(t, err)
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(raw), "limit: must be a string, a number or a boolean")

	resp, err = http.Post(base+"/logs/search", "application/json", strings.NewReader(`{"query": "error", "exact_count": true}`))
	require.NoError(t, err)
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(raw))

	status, body = get(t, base+"/logs/search?limit=5")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, []any{}, body["logs"])
	assert.EqualValues(t, 0, body["total_count"])
	assert.Equal(t, true, body["total_count_exact"])

	status, body = get(t, base+"/logs/search?exact_count=yes")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "exact_count", body["field"])
}
