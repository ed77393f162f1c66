package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBadInputIsRejectedWithFieldErrors(t *testing.T) {
	c := startCollector(t, t.TempDir())
	valid := `{"level":"INFO","message":"ok","source":"s"}`
	bigBatch := "[" + strings.TrimSuffix(strings.Repeat(valid+",", 10_001), ",") + "]"
	tests := []struct {
		name        string
		path        string
		contentType string
		body        string
		status      int
		field       string
		code        string
	}{
		{"malformed JSON", "/logs/ingest", "application/json", `{"level": "INFO", "message": `, 400, "body", "invalid_json"},
		{"not an object", "/logs/ingest", "application/json", `[1,2]`, 400, "body", "invalid_json"},
		{"empty body", "/logs/ingest", "application/json", ``, 400, "body", "invalid_json"},
		{"message wrong type", "/logs/ingest", "application/json", `{"level":"INFO","message":42,"source":"s"}`, 400, "message", "invalid_field"},
		{"level wrong type", "/logs/ingest", "application/json", `{"level":3,"message":"m","source":"s"}`, 400, "level", "invalid_field"},
		{"unknown level", "/logs/ingest", "application/json", `{"level":"VERBOSE","message":"m","source":"s"}`, 400, "level", "invalid_field"},
		{"missing level", "/logs/ingest", "application/json", `{"message":"m","source":"s"}`, 400, "level", "invalid_field"},
		{"missing message", "/logs/ingest", "application/json", `{"level":"INFO","source":"s"}`, 400, "message", "invalid_field"},
		{"empty message", "/logs/ingest", "application/json", `{"level":"INFO","message":"  ","source":"s"}`, 400, "message", "invalid_field"},
		{"missing source", "/logs/ingest", "application/json", `{"level":"INFO","message":"m"}`, 400, "source", "invalid_field"},
		{"null source", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":null}`, 400, "source", "invalid_field"},
		{"service wrong type", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","service":["a"]}`, 400, "service", "invalid_field"},
		{"bad timestamp", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","timestamp":"yesterday"}`, 400, "timestamp", "invalid_field"},
		{"timestamp past retention", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","timestamp":"2001-01-01T00:00:00Z"}`, 400, "timestamp", "invalid_field"},
		{"timestamp as number", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","timestamp":1700000000}`, 400, "timestamp", "invalid_field"},
		{"short trace id", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","trace_id":"abc"}`, 400, "trace_id", "invalid_field"},
		{"non-hex trace id", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","trace_id":"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"}`, 400, "trace_id", "invalid_field"},
		{"zero trace id", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","trace_id":"00000000000000000000000000000000"}`, 400, "trace_id", "invalid_field"},
		{"bad span id", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","span_id":"123"}`, 400, "span_id", "invalid_field"},
		{"metadata not object", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","metadata":"x"}`, 400, "metadata", "invalid_field"},
		{"metadata too deep", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","metadata":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}}`, 400, "metadata.a.b.c.d.e.f.g.h", "invalid_field"},
		{"metadata number out of range", "/logs/ingest", "application/json", `{"level":"INFO","message":"m","source":"s","metadata":{"n":1e400}}`, 400, "metadata.n", "invalid_field"},
		{"metadata invalid UTF-8", "/logs/ingest", "application/json", "{\"level\":\"INFO\",\"message\":\"m\",\"source\":\"s\",\"metadata\":{\"k\":\"\xff\"}}", 400, "metadata.k", "invalid_field"},
		{"message invalid UTF-8", "/logs/ingest", "application/json", "{\"level\":\"INFO\",\"message\":\"\xff\",\"source\":\"s\"}", 400, "message", "invalid_field"},
		{"deeply nested JSON", "/logs/ingest", "application/json", strings.Repeat(`{"a":`, 400) + "1" + strings.Repeat("}", 400), 400, "body", "invalid_json"},
		{"trailing garbage", "/logs/ingest", "application/json", valid + " x", 400, "body", "invalid_json"},
		{"message too long", "/logs/ingest", "application/json", fmt.Sprintf(`{"level":"INFO","message":%q,"source":"s"}`, strings.Repeat("x", 70_000)), 400, "message", "invalid_field"},
		{"wrong content type", "/logs/ingest", "text/plain", valid, 415, "Content-Type", "unsupported_media_type"},
		{"form content type", "/logs/ingest", "application/x-www-form-urlencoded", valid, 415, "Content-Type", "unsupported_media_type"},
		{"ndjson on single ingest", "/logs/ingest", "application/x-ndjson", valid, 415, "Content-Type", "unsupported_media_type"},
		{"batch logs not array", "/logs/batch-ingest", "application/json", `{"logs":{}}`, 400, "logs", "invalid_field"},
		{"batch without logs", "/logs/batch-ingest", "application/json", `{"batch_id":"b"}`, 400, "logs", "invalid_field"},
		{"empty batch", "/logs/batch-ingest", "application/json", `[]`, 400, "logs", "invalid_field"},
		{"batch_id wrong type", "/logs/batch-ingest", "application/json", `{"batch_id":7,"logs":[` + valid + `]}`, 400, "batch_id", "invalid_field"},
		{"all entries invalid", "/logs/batch-ingest", "application/json", `[{"level":"INFO"},{"message":"m"}]`, 400, "message", "invalid_field"},
		{"batch too large", "/logs/batch-ingest", "application/json", bigBatch, 413, "logs", "batch_too_large"},
		{"body too large", "/logs/batch-ingest", "application/json", `[` + strings.Repeat(" ", 17<<20) + `]`, 413, "body", "body_too_large"},
		{"bad gzip", "/logs/batch-ingest", "application/json", "not gzip at all", 400, "Content-Encoding", "invalid_parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var header map[string]string
			if tt.name == "bad gzip" {
				header = map[string]string{"Content-Encoding": "gzip"}
			}
			r := c.do(t, http.MethodPost, tt.path, tt.contentType, []byte(tt.body), header)
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			require.NotNil(t, r.body, "error body must be JSON: %s", r.raw)
			assert.Equal(t, false, r.body["success"])
			assert.Equal(t, tt.code, r.body["error"], "%s", r.raw)
			assert.Equal(t, tt.field, r.body["field"], "%s", r.raw)
			assert.NotEmpty(t, r.body["message"])
			assert.NotEmpty(t, r.body["correlation_id"])
			assert.Less(t, len(r.body["message"].(string)), 1000, "error messages stay readable")
		})
	}

	methods := c.do(t, http.MethodGet, "/logs/ingest", "", nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, methods.status)

	searchTests := []struct {
		params url.Values
		field  string
	}{
		{url.Values{"query": {`"unterminated`}}, "query"},
		{url.Values{"query": {"(a OR"}}, "query"},
		{url.Values{"query": {"level:loud"}}, "query"},
		{url.Values{"query": {strings.Repeat("x ", 3000)}}, "query"},
		{url.Values{"level": {"verbose"}}, "level"},
		{url.Values{"limit": {"0"}}, "limit"},
		{url.Values{"limit": {"1001"}}, "limit"},
		{url.Values{"limit": {"ten"}}, "limit"},
		{url.Values{"offset": {"-1"}}, "offset"},
		{url.Values{"start_time": {"last tuesday"}}, "start_time"},
		{url.Values{"start_time": {"now"}, "end_time": {"now-1h"}}, "end_time"},
		{url.Values{"trace_id": {"xyz"}}, "trace_id"},
		{url.Values{"cursor": {"not-a-cursor"}}, "cursor"},
		{url.Values{"order": {"sideways"}}, "order"},
	}
	for _, tt := range searchTests {
		r := c.do(t, http.MethodGet, "/logs/search?"+tt.params.Encode(), "", nil, nil)
		assert.Equal(t, http.StatusBadRequest, r.status, "%v: %s", tt.params, r.raw)
		assert.Equal(t, tt.field, r.body["field"], "%v: %s", tt.params, r.raw)
	}

	// Nothing above was stored, and the collector is still healthy.
	health := c.do(t, http.MethodGet, "/health", "", nil, nil)
	assert.Equal(t, http.StatusOK, health.status)
	assert.Equal(t, 0, c.search(t, url.Values{}).TotalCount)
}

// TestHostileSearchStrings sends search strings that try to break out of
// their literal: each is answered 200 (matching only its literal text) or
// 400, never 5xx, and none matches the stored entries it does not mention.
func TestHostileSearchStrings(t *testing.T) {
	c := startCollector(t, t.TempDir())
	r := c.postJSON(t, "/logs/batch-ingest", `[
		{"level":"INFO","message":"ordinary entry alpha","source":"s","service":"svc"},
		{"level":"ERROR","message":"ordinary entry beta","source":"s","service":"svc"},
		{"level":"INFO","message":"literal foo\" | delete","source":"s","service":"svc"}]`)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	c.waitForCount(t, url.Values{}, 3, 10*time.Second)

	hostile := map[string]int{
		`"foo\" | delete"`:             1,
		`foo" | delete`:                -1, // unbalanced quote: 400
		`"x\") OR *"`:                  0,
		`* | stats count()`:            -1,
		`"ordinary\" OR level:\"INFO"`: 0,
		`service:"svc\" OR \"x"`:       0,
		`metadata.a:"b\") | limit 1"`:  0,
		`_msg:*`:                       0,
		`"' OR 1=1 --"`:                0,
		"\u0000":                       0,
		`ordinary NOT beta`:            1,
	}
	for q, want := range hostile {
		r := c.do(t, http.MethodGet, "/logs/search?"+url.Values{"query": {q}}.Encode(), "", nil, nil)
		if want < 0 {
			assert.Equal(t, http.StatusBadRequest, r.status, "%q: %s", q, r.raw)
			assert.Equal(t, "query", r.body["field"])
			continue
		}
		require.Equal(t, http.StatusOK, r.status, "%q: %s", q, r.raw)
		assert.EqualValues(t, want, r.body["total_count"], "%q", q)
	}
	for _, v := range []string{`svc" OR service:"x`, `svc")`, `*`} {
		res := c.search(t, url.Values{"service": {v}})
		assert.Equal(t, 0, res.TotalCount, "service=%q", v)
	}
}
