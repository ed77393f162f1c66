package logstore // import "github.com/paylog/paylog/exporter/logstore"

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exporterhelper/xexporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	pdatareq "go.opentelemetry.io/collector/pdata/xpdata/request"
	"go.uber.org/zap"

	"github.com/paylog/paylog/exporter/logstore/internal/metadata"
	logstoreext "github.com/paylog/paylog/extension/logstore"
)

// rowsRequest is what the exporter queues: one request's records, already
// converted to the store's rows. Read back from a persistent queue it is a
// few slices, not pdata objects per record and attribute, and the consumer
// only hands it to the store.
type rowsRequest struct {
	batch *logstoreext.Batch
}

var _ xexporterhelper.Request = (*rowsRequest)(nil)

func convertLogs(_ context.Context, ld plog.Logs) (xexporterhelper.Request, error) {
	return &rowsRequest{batch: logstoreext.NewBatch(ld)}, nil
}

func (r *rowsRequest) ItemsCount() int { return r.batch.Len() }

func (r *rowsRequest) BytesSize() int { return r.batch.Bytes() }

// MergeSplit appends other's rows to r, then cuts the rows into requests of
// at most maxSize items or bytes, the last one the smallest.
func (r *rowsRequest) MergeSplit(_ context.Context, maxSize int, sizer exporterhelper.RequestSizerType, other xexporterhelper.Request) ([]xexporterhelper.Request, error) {
	if sizer != exporterhelper.RequestSizerTypeItems && sizer != exporterhelper.RequestSizerTypeBytes {
		return nil, fmt.Errorf("logstore exporter: batches cannot be sized in %v", sizer)
	}
	if other != nil {
		o, ok := other.(*rowsRequest)
		if !ok {
			return nil, fmt.Errorf("logstore exporter: cannot merge a %T", other)
		}
		r.batch.Append(o.batch)
	}
	if maxSize <= 0 {
		return []xexporterhelper.Request{r}, nil
	}
	var out []xexporterhelper.Request
	for r.size(sizer) > maxSize {
		n := maxSize
		if sizer == exporterhelper.RequestSizerTypeBytes {
			n = r.batch.RowsWithin(maxSize)
		}
		if n == 0 {
			return out, fmt.Errorf("logstore exporter: a record is larger than the batch limit of %d bytes; dropping %d records", maxSize, r.batch.Len())
		}
		out = append(out, &rowsRequest{batch: r.batch.TakeFront(n)})
	}
	return append(out, r), nil
}

func (r *rowsRequest) size(sizer exporterhelper.RequestSizerType) int {
	if sizer == exporterhelper.RequestSizerTypeBytes {
		return r.batch.Bytes()
	}
	return r.batch.Len()
}

// rowsEncoding stores a rowsRequest in the persistent queue as its rows.
// The request's context (client metadata, span) is not kept: nothing after
// the queue uses it. Items queued by versions that queued OTLP protobuf are
// read and converted.
type rowsEncoding struct {
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
}

func (rowsEncoding) Marshal(_ context.Context, req xexporterhelper.Request) ([]byte, error) {
	r, ok := req.(*rowsRequest)
	if !ok {
		return nil, fmt.Errorf("logstore exporter: cannot queue a %T", req)
	}
	return r.batch.AppendBinary(nil), nil
}

// Unmarshal reads a queued item back. The queue drops an item it cannot
// read and says so only at debug level, so the loss is logged and counted
// here.
func (e rowsEncoding) Unmarshal(data []byte) (context.Context, xexporterhelper.Request, error) {
	ctx, req, err := unmarshalRequest(data)
	if err != nil {
		e.logger.Error("A queued request could not be read; the queue drops it and its records are lost",
			zap.Int("bytes", len(data)), zap.Error(err))
		e.telemetry.ExporterLogstoreQueueUnreadableItems.Add(context.Background(), 1)
	}
	return ctx, req, err
}

func unmarshalRequest(data []byte) (context.Context, xexporterhelper.Request, error) {
	if logstoreext.IsEncodedBatch(data) {
		b, err := logstoreext.UnmarshalBatch(data)
		if err != nil {
			return context.Background(), nil, err
		}
		return context.Background(), &rowsRequest{batch: b}, nil
	}
	ctx, ld, err := pdatareq.UnmarshalLogs(data)
	if errors.Is(err, pdatareq.ErrInvalidFormat) {
		ctx = context.Background()
		ld, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(data)
	}
	if err != nil {
		return ctx, nil, fmt.Errorf("logstore exporter: queued item is neither rows nor OTLP logs: %w", err)
	}
	return ctx, &rowsRequest{batch: logstoreext.NewBatch(ld)}, nil
}
