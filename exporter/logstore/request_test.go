package logstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exporterhelper/xexporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	pdatareq "go.opentelemetry.io/collector/pdata/xpdata/request"

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

func TestRowsEncodingRoundTrip(t *testing.T) {
	req := newRowsRequest(t, 100, "a")
	data, err := rowsEncoding{}.Marshal(context.Background(), req)
	require.NoError(t, err)
	_, back, err := rowsEncoding{}.Unmarshal(data)
	require.NoError(t, err)
	assert.Equal(t, encoded(req), encoded(back))

	_, _, err = rowsEncoding{}.Unmarshal(data[:len(data)-3])
	assert.Error(t, err, "a damaged item is refused, not half read")
}

// TestQueuedOTLPItemsAreRead: a persistent queue filled by a version that
// queued OTLP protobuf (with or without the request context) is read, and
// its records become the same rows as new requests.
func TestQueuedOTLPItemsAreRead(t *testing.T) {
	ld := requestLogs(50, "legacy")
	want := encoded(newRowsRequest(t, 50, "legacy"))

	withContext, err := pdatareq.MarshalLogs(context.Background(), ld)
	require.NoError(t, err)
	plain, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	for name, data := range map[string][]byte{"with context": withContext, "plain": plain} {
		_, req, err := rowsEncoding{}.Unmarshal(data)
		require.NoError(t, err, name)
		assert.Equal(t, want, encoded(req), name)
	}
}
