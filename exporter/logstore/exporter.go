package logstore // import "github.com/paylog/paylog/exporter/logstore"

import (
	"context"
	"fmt"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper/xexporterhelper"

	logstoreext "github.com/paylog/paylog/extension/logstore"
)

type logStoreExporter struct {
	cfg *Config
	// store is set by every shard's start: a shard whose queue is being
	// drained already writes while the next one starts.
	store atomic.Pointer[logstoreext.Store]
}

func newLogStoreExporter(cfg *Config) *logStoreExporter {
	return &logStoreExporter{cfg: cfg}
}

func (e *logStoreExporter) start(_ context.Context, host component.Host) error {
	store, err := logstoreext.FromHost(host, e.cfg.LogStore)
	if err != nil {
		return err
	}
	if !store.Writable() {
		return fmt.Errorf("logstore %q: its backend (%s) is read-only; export to Elasticsearch with the elasticsearch exporter", e.cfg.LogStore, store.Stats().Backend)
	}
	e.store.Store(&store)
	return nil
}

// pushRows returns only once the request's rows are durable in the store.
// Errors are left retryable: the store refuses only while it is not running
// or cannot write.
func (e *logStoreExporter) pushRows(ctx context.Context, req xexporterhelper.Request) error {
	r, ok := req.(*rowsRequest)
	if !ok {
		return consumererror.NewPermanent(fmt.Errorf("logstore exporter: cannot store a %T", req))
	}
	return (*e.store.Load()).WriteBatch(ctx, r.batch)
}
