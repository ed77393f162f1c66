package searchapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/paylog/paylog/extension/searchapi/internal/metadata"
)

// TestOpenAPIDescribesEveryRoute holds web/openapi.json to the routes the
// server serves: each one is described, and nothing described is missing
// (besides the ingest routes the logapi receiver mounts).
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	raw, err := webFiles.ReadFile("web/openapi.json")
	require.NoError(t, err)
	var spec struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &spec))
	assert.Equal(t, "3.1.0", spec.OpenAPI)

	served := map[string]bool{}
	api := newSearchAPI(createDefaultConfig().(*Config), extensiontest.NewNopSettings(metadata.Type))
	for _, route := range api.apiRoutes() {
		if strings.HasSuffix(route.path, "/") && route.path != "/" {
			continue // static files of the UI
		}
		key := strings.ToLower(route.method) + " " + route.path
		served[key] = true
		assert.Contains(t, spec.Paths[route.path], strings.ToLower(route.method), "%s is served but not in openapi.json", key)
	}
	mounted := map[string]bool{"post /logs/ingest": true, "post /logs/batch-ingest": true}
	for path, ops := range spec.Paths {
		for method := range ops {
			key := method + " " + path
			assert.True(t, served[key] || mounted[key], "%s is in openapi.json but not served", key)
		}
	}
}
