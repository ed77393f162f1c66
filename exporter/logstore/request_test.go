package logstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exporterhelper/xexporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	pdatareq "go.opentelemetry.io/collector/pdata/xpdata/request"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/paylog/paylog/exporter/logstore/internal/metadata"
	"github.com/paylog/paylog/exporter/logstore/internal/metadatatest"
	logstoreext "github.com/paylog/paylog/extension/logstore"
)

func requestLogs(n int, service string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", service)
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for i := range n {
		r := lrs.AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(i) * time.Millisecond)))
		r.Body().SetStr(fmt.Sprintf("%s record %d", service, i))
		r.Attributes().PutStr("log.pattern.id", "p-1")
	}
	return ld
}

func newRowsRequest(t *testing.T, n int, service string) *rowsRequest {
	t.Helper()
	req, err := convertLogs(context.Background(), requestLogs(n, service))
	require.NoError(t, err)
	return req.(*rowsRequest)
}

// encoded is a request's rows as the queue stores them, for comparisons.
func encoded(req xexporterhelper.Request) string {
	return string(req.(*rowsRequest).batch.AppendBinary(nil))
}

func TestMergeSplitByItems(t *testing.T) {
	whole := newRowsRequest(t, 1000, "a")
	whole.batch.Append(newRowsRequest(t, 1000, "b").batch)
	whole.batch.Append(newRowsRequest(t, 1000, "c").batch)

	req := newRowsRequest(t, 1000, "a")
	merged, err := req.MergeSplit(context.Background(), 0, exporterhelper.RequestSizerTypeItems, newRowsRequest(t, 1000, "b"))
	require.NoError(t, err)
	require.Len(t, merged, 1)
	parts, err := merged[0].MergeSplit(context.Background(), 1200, exporterhelper.RequestSizerTypeItems, newRowsRequest(t, 1000, "c"))
	require.NoError(t, err)

	var sizes []int
	joined := &rowsRequest{batch: &logstoreext.Batch{}}
	for _, p := range parts {
		sizes = append(sizes, p.ItemsCount())
		joined.batch.Append(p.(*rowsRequest).batch)
	}
	assert.Equal(t, []int{1200, 1200, 600}, sizes, "full parts first, the smallest last")
	assert.Equal(t, encoded(whole), encoded(joined), "every row once, in order")
}

func TestMergeSplitByBytes(t *testing.T) {
	req := newRowsRequest(t, 500, "a")
	total := req.BytesSize()
	limit := total / 3
	parts, err := req.MergeSplit(context.Background(), limit, exporterhelper.RequestSizerTypeBytes, nil)
	require.NoError(t, err)
	require.Len(t, parts, 4)
	rows, bytes := 0, 0
	for _, p := range parts {
		assert.LessOrEqual(t, p.BytesSize(), limit)
		rows += p.ItemsCount()
		bytes += p.BytesSize()
	}
	assert.Equal(t, 500, rows)
	assert.Equal(t, total, bytes)

	_, err = newRowsRequest(t, 2, "a").MergeSplit(context.Background(), 10, exporterhelper.RequestSizerTypeBytes, nil)
	assert.ErrorContains(t, err, "larger than the batch limit")
	_, err = newRowsRequest(t, 2, "a").MergeSplit(context.Background(), 10, exporterhelper.RequestSizerTypeRequests, nil)
	assert.Error(t, err)
}

// newTestEncoding is the exporter's queue encoding with its log and
// telemetry observed.
func newTestEncoding(t *testing.T) (rowsEncoding, *componenttest.Telemetry, *observer.ObservedLogs) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	telemetry, err := metadata.NewTelemetryBuilder(tt.NewTelemetrySettings())
	require.NoError(t, err)
	core, logs := observer.New(zap.InfoLevel)
	return rowsEncoding{logger: zap.New(core), telemetry: telemetry}, tt, logs
}

func TestRowsEncodingRoundTrip(t *testing.T) {
	encoding, _, logs := newTestEncoding(t)
	req := newRowsRequest(t, 100, "a")
	data, err := encoding.Marshal(context.Background(), req)
	require.NoError(t, err)
	_, back, err := encoding.Unmarshal(data)
	require.NoError(t, err)
	assert.Equal(t, encoded(req), encoded(back))
	assert.Zero(t, logs.Len())
}

// The queue drops an item it cannot read with only a debug log; the
// encoding makes the loss an error log and a count.
func TestUnreadableQueueItemsAreLoggedAndCounted(t *testing.T) {
	encoding, tt, logs := newTestEncoding(t)
	data, err := encoding.Marshal(context.Background(), newRowsRequest(t, 100, "a"))
	require.NoError(t, err)

	_, _, err = encoding.Unmarshal(data[:len(data)-3])
	assert.Error(t, err, "a damaged item is refused, not half read")
	_, _, err = encoding.Unmarshal([]byte("not a queued request"))
	assert.Error(t, err)

	metadatatest.AssertEqualExporterLogstoreQueueUnreadableItems(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	require.Equal(t, 2, logs.FilterLevelExact(zap.ErrorLevel).Len())
	assert.Contains(t, logs.All()[0].Message, "could not be read")
	assert.Equal(t, int64(len(data)-3), logs.All()[0].ContextMap()["bytes"])
}

// TestQueuedOTLPItemsAreRead: a persistent queue filled by a version that
// queued OTLP protobuf (with or without the request context) is read, and
// its records become the same rows as new requests.
func TestQueuedOTLPItemsAreRead(t *testing.T) {
	encoding, _, _ := newTestEncoding(t)
	ld := requestLogs(50, "legacy")
	want := encoded(newRowsRequest(t, 50, "legacy"))

	withContext, err := pdatareq.MarshalLogs(context.Background(), ld)
	require.NoError(t, err)
	plain, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	for name, data := range map[string][]byte{"with context": withContext, "plain": plain} {
		_, req, err := encoding.Unmarshal(data)
		require.NoError(t, err, name)
		assert.Equal(t, want, encoded(req), name)
	}
}
