package logapi

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestEntryMapping checks the documented LogEntry → OTel log record mapping.
func TestEntryMapping(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	d := newBatchDecoder(createDefaultConfig().(*Config).Limits, now, "corr-9")
	var p fastjson.Parser
	for i, in := range []string{
		`{"timestamp":"2026-11-28T11:00:00","level":"warn","message":"disk slow","source":"db-1","service":"storage",
		  "trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"b7ad6b7169203331",
		  "metadata":{"disk":"sda","latency_ms":12.5,"count":3,"ok":false,"tags":["a","b"],"nested":{"k":"v"},"none":null},"unknown_field":1}`,
		`{"level":"INFO","message":"no service","source":"db-1"}`,
		`{"level":"INFO","message":"same resource","source":"db-1","service":"storage"}`,
	} {
		v, err := p.Parse(in)
		require.NoError(t, err)
		d.add(i, v)
	}
	require.Empty(t, d.errors)
	require.Equal(t, 3, d.accepted)
	ld := d.logs
	require.Equal(t, 2, ld.ResourceLogs().Len(), "entries group by (service, source)")

	rl := ld.ResourceLogs().At(0)
	svc, _ := rl.Resource().Attributes().Get("service.name")
	host, _ := rl.Resource().Attributes().Get("host.name")
	assert.Equal(t, "storage", svc.Str())
	assert.Equal(t, "db-1", host.Str())
	records := rl.ScopeLogs().At(0).LogRecords()
	require.Equal(t, 2, records.Len())
	r := records.At(0)
	assert.Equal(t, time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC), r.Timestamp().AsTime())
	assert.Equal(t, now, r.ObservedTimestamp().AsTime())
	assert.Equal(t, "WARNING", r.SeverityText())
	assert.Equal(t, plog.SeverityNumberWarn, r.SeverityNumber())
	assert.Equal(t, "disk slow", r.Body().Str())
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", r.TraceID().String())
	assert.Equal(t, "b7ad6b7169203331", r.SpanID().String())
	assert.Equal(t, map[string]any{
		"disk": "sda", "latency_ms": 12.5, "count": int64(3), "ok": false, "tags": []any{"a", "b"},
		"nested": map[string]any{"k": "v"}, "none": nil, "correlation_id": "corr-9",
	}, r.Attributes().AsRaw())
	assert.Equal(t, now, records.At(1).Timestamp().AsTime(), "no timestamp means now")

	noService := ld.ResourceLogs().At(1)
	_, has := noService.Resource().Attributes().Get("service.name")
	assert.False(t, has)
}

func TestEntryErrorsListEveryBadField(t *testing.T) {
	d := newBatchDecoder(createDefaultConfig().(*Config).Limits, time.Now(), "c")
	v := fastjson.MustParse(`{"level":"LOUD","message":7,"trace_id":"xyz"}`)
	d.add(4, v)
	assert.Equal(t, 1, d.rejected)
	var fields []string
	for _, e := range d.errors {
		assert.Equal(t, 4, e.Index)
		fields = append(fields, e.Field)
	}
	assert.ElementsMatch(t, []string{"level", "message", "trace_id", "source"}, fields)
}

func TestMetadataValuesMustBeRepresentable(t *testing.T) {
	tests := map[string]string{
		"{\"k\":\"\xff\"}":        "metadata.k",
		`{"n":1e400}`:             "metadata.n",
		"{\"list\":[1,\"\xfe\"]}": "metadata.list[1]",
		`{"list":[{"a":1}]}`:      "metadata.list[0]",
		`{"a":{"b":-1e999}}`:      "metadata.a.b",
	}
	for in, field := range tests {
		d := newBatchDecoder(createDefaultConfig().(*Config).Limits, time.Now(), "c")
		v := fastjson.MustParse(`{"level":"INFO","message":"m","source":"s","metadata":` + in + `}`)
		d.add(0, v)
		require.Len(t, d.errors, 1, in)
		assert.Equal(t, field, d.errors[0].Field, in)
	}
}

// The decoder's strings share chunks: each keeps its own bytes across chunk
// boundaries, and a long one is copied on its own.
func TestDecoderStringsSurviveTheirChunk(t *testing.T) {
	d := newBatchDecoder(createDefaultConfig().(*Config).Limits, time.Now(), "c")
	var want, got []string
	for i := range 3000 {
		s := fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%40))
		want = append(want, s)
		got = append(got, d.str([]byte(s)))
	}
	long := strings.Repeat("long ", 1000)
	want, got = append(want, long), append(got, d.str([]byte(long)))
	assert.Equal(t, want, got)
	assert.Empty(t, d.str(nil))
}
