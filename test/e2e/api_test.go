package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The request bodies of the seed README's curl examples, verbatim.
const (
	seedIngest = `{
    "level": "ERROR",
    "message": "Database connection failed",
    "source": "web-server-01",
    "service": "user-service",
    "metadata": {
      "error_code": "DB_CONN_TIMEOUT",
      "retry_count": 3
    }
  }`
	seedBatch = `{
    "batch_id": "batch-001",
    "logs": [
      {
        "level": "INFO",
        "message": "User login successful",
        "source": "auth-service",
        "service": "authentication"
      },
      {
        "level": "WARNING", 
        "message": "Rate limit exceeded",
        "source": "api-gateway",
        "service": "gateway"
      }
    ]
  }`
	seedBareArray = `[
    {
      "level": "INFO",
      "message": "User login successful",
      "source": "auth-service"
    },
    {
      "level": "WARNING",
      "message": "Rate limit exceeded", 
      "source": "api-gateway"
    }
  ]`
)

func TestSeedReadmeExamples(t *testing.T) {
	c := startCollector(t, t.TempDir())

	r := c.postJSON(t, "/logs/ingest", seedIngest)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assert.Equal(t, true, r.body["success"])
	assert.NotEmpty(t, r.body["message"])
	ingestID, _ := r.body["correlation_id"].(string)
	assert.Regexp(t, `^[0-9a-f]{16}$`, ingestID)
	assert.Equal(t, ingestID, r.header.Get("X-Correlation-ID"))

	r = c.postJSON(t, "/logs/batch-ingest", seedBatch)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assert.Equal(t, true, r.body["success"])
	assert.Equal(t, "batch-001", r.body["batch_id"])
	assert.EqualValues(t, 2, r.body["accepted"])
	assert.EqualValues(t, 0, r.body["rejected"])

	r = c.postJSON(t, "/logs/batch-ingest", seedBareArray)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assert.EqualValues(t, 2, r.body["accepted"])

	// curl "http://localhost:8000/logs/search?service=user-service&start_time=2024-01-01T00:00:00"
	res := c.waitForCount(t, url.Values{"service": {"user-service"}, "start_time": {"2024-01-01T00:00:00"}}, 1, 10*time.Second)
	require.Len(t, res.Logs, 1)
	got := res.Logs[0]
	assert.Equal(t, "ERROR", got.Level)
	assert.Equal(t, "Database connection failed", got.Message)
	assert.Equal(t, "web-server-01", got.Source)
	assert.Equal(t, "user-service", *got.Service)
	assert.Equal(t, map[string]any{"error_code": "DB_CONN_TIMEOUT", "retry_count": float64(3)}, got.Metadata)
	assert.Equal(t, ingestID, *got.CorrelationID)
	assert.NotEmpty(t, got.ID)
	assert.WithinDuration(t, time.Now(), got.Timestamp, time.Minute)
	assert.GreaterOrEqual(t, res.TookMS, 0.0)

	// curl "http://localhost:8000/logs/search?query=error&level=ERROR&limit=50"
	res = c.search(t, url.Values{"query": {"error"}, "level": {"ERROR"}, "limit": {"50"}})
	assert.Equal(t, 0, res.TotalCount, "no ERROR message contains the word error")
	res = c.search(t, url.Values{"query": {"failed"}, "level": {"ERROR"}, "limit": {"50"}})
	assert.Equal(t, 1, res.TotalCount)

	c.waitForCount(t, url.Values{}, 5, 10*time.Second)
	res = c.search(t, url.Values{"query": {`"rate limit"`}})
	assert.Equal(t, 2, res.TotalCount)
	res = c.search(t, url.Values{"level": {"warning,info"}})
	assert.Equal(t, 4, res.TotalCount)
	res = c.search(t, url.Values{"service": {"gateway"}, "start_time": {"now-1h"}, "end_time": {"now"}})
	assert.Equal(t, 1, res.TotalCount)
	res = c.search(t, url.Values{"end_time": {"2024-01-01T00:00:00"}})
	assert.Equal(t, 0, res.TotalCount)

	r = c.do(t, http.MethodGet, "/", "", nil, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, "message")
	r = c.do(t, http.MethodGet, "/health", "", nil, nil)
	assert.Equal(t, "healthy", r.body["status"])
	r = c.do(t, http.MethodGet, "/metrics", "", nil, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.raw), "paylog_store_rows 5")
	// The exporter waits for a durability point before it deletes what it
	// wrote from the queue: one has run, without error.
	require.Eventually(t, func() bool {
		points, err := c.readMetric("paylog_store_durability_points_total")
		return err == nil && points >= 1
	}, 10*time.Second, 50*time.Millisecond)
	assert.Positive(t, c.metric(t, "paylog_store_durability_point_seconds_total"))
	assert.Zero(t, c.metric(t, "paylog_store_durability_point_errors_total"))
}

func TestIngestFormatsAndCorrelationID(t *testing.T) {
	c := startCollector(t, t.TempDir())

	ndjson := `{"level":"info","message":"ndjson one","source":"s1"}
{"level":"WARN","message":"ndjson two","source":"s1","trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"b7ad6b7169203331"}

{"level":"error","message":"ndjson three","source":"s2","timestamp":"2026-11-27T10:00:00"}
`
	r := c.do(t, http.MethodPost, "/logs/batch-ingest", "application/x-ndjson", []byte(ndjson), map[string]string{"X-Request-ID": "req-ndjson-1"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assert.EqualValues(t, 3, r.body["accepted"])
	assert.Equal(t, "req-ndjson-1", r.body["correlation_id"])
	assert.Equal(t, "req-ndjson-1", r.header.Get("X-Request-ID"))

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`[{"level":"DEBUG","message":"gzipped entry","source":"s3"}]`))
	require.NoError(t, zw.Close())
	r = c.do(t, http.MethodPost, "/logs/batch-ingest", "application/json", gz.Bytes(), map[string]string{"Content-Encoding": "gzip"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assert.EqualValues(t, 1, r.body["accepted"])

	// A UTF-8 byte order mark before the JSON text is accepted.
	r = c.do(t, http.MethodPost, "/logs/ingest", "application/json; charset=utf-8", []byte("\xef\xbb\xbf"+`{"level":"INFO","message":"bom entry","source":"s4"}`), nil)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))

	res := c.waitForCount(t, url.Values{"query": {"correlation_id:req-ndjson-1"}}, 3, 10*time.Second)
	assert.Equal(t, 3, res.TotalCount)
	res = c.search(t, url.Values{"trace_id": {"0af7651916cd43dd8448eb211c80319c"}})
	require.Equal(t, 1, res.TotalCount)
	assert.Equal(t, "WARNING", res.Logs[0].Level)
	assert.Equal(t, "b7ad6b7169203331", *res.Logs[0].SpanID)
	res = c.search(t, url.Values{"query": {"three"}})
	require.Equal(t, 1, res.TotalCount)
	assert.Equal(t, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), res.Logs[0].Timestamp)
	c.waitForCount(t, url.Values{"query": {"gzipped"}}, 1, 10*time.Second)

	// A partly valid batch stores the valid entries and lists the others.
	r = c.postJSON(t, "/logs/batch-ingest", `[{"level":"INFO","message":"good","source":"s"},{"level":"LOUD","message":"bad","source":"s"},{"message":"","source":"s","level":"INFO"}]`)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assert.EqualValues(t, 1, r.body["accepted"])
	assert.EqualValues(t, 2, r.body["rejected"])
	errs := r.body["errors"].([]any)
	require.Len(t, errs, 2)
	assert.Equal(t, map[string]any{"index": float64(1), "field": "level", "message": errs[0].(map[string]any)["message"]}, errs[0])
	assert.Equal(t, "message", errs[1].(map[string]any)["field"])
}

// A broad search counts its matches up to 10,000 and says so; exact_count
// counts them all.
func TestSearchCountStopsAtTenThousand(t *testing.T) {
	c := startCollector(t, t.TempDir())
	const entries, warnings = 10250, 250
	for sent := 0; sent < entries; {
		var b strings.Builder
		b.WriteString(`[`)
		for i := 0; i < 1000 && sent < entries; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			level := "INFO"
			if sent < warnings {
				level = "WARNING"
			}
			fmt.Fprintf(&b, `{"level":%q,"message":"counted entry %d","source":"counter"}`, level, sent)
			sent++
		}
		b.WriteString(`]`)
		r := c.postJSON(t, "/logs/batch-ingest", b.String())
		require.Equal(t, http.StatusOK, r.status, string(r.raw))
	}
	res := c.waitForCount(t, url.Values{"query": {"counted"}, "exact_count": {"true"}}, entries, 30*time.Second)
	assert.Equal(t, entries, res.TotalCount)
	assert.True(t, res.TotalExact)

	res = c.search(t, url.Values{"query": {"counted"}, "limit": {"5"}})
	assert.Equal(t, 10000, res.TotalCount)
	assert.False(t, res.TotalExact, "10,250 match: the count is a lower bound")
	assert.Len(t, res.Logs, 5)
	assert.NotNil(t, res.NextCursor)

	res = c.search(t, url.Values{"query": {"counted"}, "level": {"WARNING"}})
	assert.Equal(t, warnings, res.TotalCount)
	assert.True(t, res.TotalExact)

	r := c.do(t, http.MethodGet, "/logs/search?exact_count=1", "", nil, nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "exact_count", r.body["field"])
}

func TestSearchPaging(t *testing.T) {
	c := startCollector(t, t.TempDir())
	var b strings.Builder
	b.WriteString(`[`)
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	for i := range 250 {
		if i > 0 {
			b.WriteString(",")
		}
		// Pairs of entries share a timestamp, so paging must break ties.
		fmt.Fprintf(&b, `{"level":"INFO","message":"paging entry %d","source":"pager","timestamp":%q}`, i, base.Add(time.Duration(i/2)*time.Second).Format(time.RFC3339Nano))
	}
	b.WriteString(`]`)
	r := c.postJSON(t, "/logs/batch-ingest", b.String())
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	c.waitForCount(t, url.Values{"source": {"pager"}}, 250, 10*time.Second)

	seen := map[string]bool{}
	params := url.Values{"source": {"pager"}, "limit": {"33"}}
	var last time.Time
	for pages := 0; ; pages++ {
		require.Less(t, pages, 20)
		res := c.search(t, params)
		assert.Equal(t, 250, res.TotalCount)
		for _, l := range res.Logs {
			assert.False(t, seen[l.Message], "returned twice: %s", l.Message)
			seen[l.Message] = true
			if !last.IsZero() {
				assert.False(t, l.Timestamp.After(last), "not newest first")
			}
			last = l.Timestamp
		}
		if res.NextCursor == nil {
			break
		}
		params.Set("cursor", *res.NextCursor)
	}
	assert.Len(t, seen, 250)

	res := c.search(t, url.Values{"source": {"pager"}, "limit": {"10"}, "offset": {"240"}})
	assert.Len(t, res.Logs, 10)
	assert.Equal(t, "paging entry 0", res.Logs[len(res.Logs)-1].Message)
	res = c.search(t, url.Values{"source": {"pager"}, "limit": {"1"}, "order": {"asc"}})
	assert.Equal(t, "paging entry 0", res.Logs[0].Message)
}
