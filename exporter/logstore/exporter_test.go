package logstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"

	logstoreext "github.com/paylog/paylog/extension/logstore"

	"github.com/paylog/paylog/internal/hosttest"
)

// An exporter pointed at the read-only elasticsearch backend refuses to
// start instead of failing every batch.
func TestStartRefusesAReadOnlyStore(t *testing.T) {
	storeFactory := logstoreext.NewFactory()
	storeCfg := storeFactory.CreateDefaultConfig().(*logstoreext.Config)
	storeCfg.Backend = logstoreext.BackendElasticsearch
	storeCfg.Elasticsearch.Endpoints = []string{"http://127.0.0.1:1"}
	storeID := component.MustNewID("logstore")
	store, err := storeFactory.Create(context.Background(), extension.Settings{ID: storeID, TelemetrySettings: componenttest.NewNopTelemetrySettings()}, storeCfg)
	require.NoError(t, err)
	host := hosttest.WithExtensions(map[component.ID]component.Component{storeID: store})

	e := newLogStoreExporter(createDefaultConfig().(*Config))
	err = e.start(context.Background(), host)
	assert.EqualError(t, err, `logstore "logstore": its backend (elasticsearch) is read-only; export to Elasticsearch with the elasticsearch exporter`)
}
