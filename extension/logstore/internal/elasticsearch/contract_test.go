package elasticsearch

// Contract tests: the client against a local HTTP server that checks the
// requests Elasticsearch would receive and answers with Elasticsearch's own
// response shapes (testdata/). Elasticsearch cannot run on the test machines.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paylog/paylog/internal/logquery"
)

const (
	openedPIT = "46ToAwMDaWR5BXV1aWQyKwZub2RlXzMAAAAAAAAAACoBYwADaWR4BXV1aWQxAgZub2RlXzEAAAAAAAAAAAEBYQADaWR5BXV1aWQyKgZub2RlXzIAAAAAAAAAAAwBYgACBXV1aWQyAAAFdXVpZDEAAQltYXRjaF9hbGw_gAAAAA=="
	// searchPIT is the id the search answers with: Elasticsearch may change
	// it from page to page, and the next page must use the newest.
	searchPIT = "46ToAwMDaWR5BXV1aWQyKwZub2RlXzMAAAAAAAAAACoBYwADaWR4BXV1aWQxAgZub2RlXzEAAAAAAAAAAAEBYQADaWR5BXV1aWQyKgZub2RlXzIAAAAAAAAAAAwBYgACBXV1aWQyAAAFdXVpZDEAAQltYXRjaF9hbGw_gAAAAB=="
)

// request is one request the fake cluster received.
type request struct {
	Method, Path, Query string
	Header              http.Header
	Body                map[string]any
}

// fakeCluster answers each "METHOD /path" with a status and a testdata file
// and records every request.
type fakeCluster struct {
	t       *testing.T
	server  *httptest.Server
	answers map[string]answer

	mu       sync.Mutex
	requests []request
}

type answer struct {
	status int
	file   string
}

func newFakeCluster(t *testing.T, answers map[string]answer) *fakeCluster {
	f := &fakeCluster{t: t, answers: answers}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeCluster) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &req.Body); err != nil {
			f.t.Errorf("%s %s: body is not JSON: %v", r.Method, r.URL.Path, err)
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	a, ok := f.answers[r.Method+" "+r.URL.Path]
	if !ok {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotImplemented)
		return
	}
	body := []byte("{}")
	if a.file != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join("testdata", a.file)); err != nil {
			f.t.Error(err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// received returns the requests so far, waiting briefly for background ones
// (closing a point in time) when want is more than arrived.
func (f *fakeCluster) received(want int) []request {
	deadline := time.Now().Add(2 * time.Second)
	for {
		f.mu.Lock()
		got := append([]request(nil), f.requests...)
		f.mu.Unlock()
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newTestClient(t *testing.T, endpoints ...string) *Client {
	c, err := New(Config{
		Endpoints:       endpoints,
		Index:           "logs-paylog.otel-default",
		APIKey:          "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==",
		Timeout:         5 * time.Second,
		CursorKeepAlive: 5 * time.Minute,
		MaxResultWindow: 10000,
	})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func searchRequest(t *testing.T, expr string, limit int) *logquery.Request {
	n, err := logquery.Parse(expr)
	require.NoError(t, err)
	return &logquery.Request{Filter: n, Limit: limit,
		Start: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
}

// roundTrip is what a value looks like after JSON encoding and decoding, as
// the fake cluster saw it.
func roundTrip(t *testing.T, v any) any {
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func TestContractSearchFirstPageOpensPointInTime(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"POST /logs-paylog.otel-default/_pit": {200, "pit_open.json"},
		"POST /_search":                       {200, "search_first_page.json"},
	})
	req := searchRequest(t, `payment service:payments`, 2)
	req.Tenant = "acme"
	res, err := newTestClient(t, es.server.URL).Search(context.Background(), req)
	require.NoError(t, err)

	reqs := es.received(2)
	require.Len(t, reqs, 2)
	assert.Equal(t, "keep_alive=300s", reqs[0].Query)
	assert.Equal(t, "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==", reqs[0].Header.Get("Authorization"))
	search := reqs[1]
	assert.Equal(t, "allow_partial_search_results=false", search.Query)
	assert.Equal(t, map[string]any{"id": openedPIT, "keep_alive": "300s"}, search.Body["pit"])
	assert.EqualValues(t, 2, search.Body["size"])
	assert.Equal(t, true, search.Body["track_total_hits"])
	assert.NotContains(t, search.Body, "from")
	assert.NotContains(t, search.Body, "search_after")
	assert.Equal(t, []any{
		map[string]any{"@timestamp": map[string]any{"order": "desc", "format": "strict_date_optional_time_nanos", "numeric_type": "date_nanos"}},
		map[string]any{"_shard_doc": "desc"},
	}, search.Body["sort"])
	// The search expression compiled by the shared compiler, for the
	// request's tenant only, within the time range.
	assert.Equal(t, map[string]any{"bool": map[string]any{"filter": []any{
		roundTrip(t, logquery.ToElasticsearch(req.Filter)),
		map[string]any{"term": map[string]any{"resource.attributes.paylog.tenant": "acme"}},
		map[string]any{"range": map[string]any{"@timestamp": map[string]any{
			"gte": "2026-11-27T00:00:00Z", "lte": "2026-11-28T12:00:00Z", "format": "strict_date_optional_time_nanos"}}},
	}}}, search.Body["query"])

	assert.EqualValues(t, 3, res.TotalCount)
	assert.True(t, res.TotalExact)
	require.Len(t, res.Records, 2)
	service, trace, span, corr, pid, tmpl := "payments", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "req-7", "p1k2ehy341qlmd", "Payment <*> declined: <*>"
	assert.Equal(t, logquery.Record{
		ID:            "kTRsdZMBpWkFrlnXLZ8E",
		Timestamp:     time.Date(2026, 11, 28, 3, 0, 0, 123456789, time.UTC),
		Level:         "ERROR",
		Message:       "Payment 3007 declined: insufficient funds",
		Source:        "pay-01",
		Service:       &service,
		TraceID:       &trace,
		SpanID:        &span,
		Metadata:      map[string]any{"error_code": "E042", "order": map[string]any{"region": "eu-west"}},
		CorrelationID: &corr,
		PatternID:     &pid,
		Pattern:       &tmpl,
	}, res.Records[0])
	// An OTLP record: level from the severity text, a structured body, no service.
	assert.Equal(t, logquery.Record{
		ID:        "kjRsdZMBpWkFrlnXLZ8E",
		Timestamp: time.Date(2026, 11, 28, 2, 59, 59, 1, time.UTC),
		Level:     "WARNING",
		Message:   `{"attempt":2,"event":"retry"}`,
		Source:    "otlp-host",
	}, res.Records[1])

	require.NotNil(t, res.Next, "a full page with more matches has a cursor")
	assert.Equal(t, searchPIT, res.Next.PIT, "the cursor keeps the point in time the search answered with")
	assert.Equal(t, 2, res.Next.Skip)
	assert.Equal(t, res.Records[1].Timestamp, res.Next.Time)
	// Sort values travel untouched: _shard_doc is a long that a float64 would round.
	require.Len(t, res.Next.SortValues, 2)
	assert.JSONEq(t, `"2026-11-28T02:59:59.000000001Z"`, string(res.Next.SortValues[0]))
	assert.Equal(t, "4294967297", string(res.Next.SortValues[1]))
}

// With a count limit the search asks Elasticsearch to stop counting there
// (track_total_hits: N); an answer of "gte" is a lower bound, and a full
// page then has a cursor even though it reached the count.
func TestContractSearchCountLimit(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"POST /logs-paylog.otel-default/_pit": {200, "pit_open.json"},
		"POST /_search":                       {200, "search_count_capped.json"},
	})
	req := searchRequest(t, `payment`, 2)
	req.CountLimit = 2
	res, err := newTestClient(t, es.server.URL).Search(context.Background(), req)
	require.NoError(t, err)

	reqs := es.received(2)
	require.Len(t, reqs, 2)
	assert.EqualValues(t, 2, reqs[1].Body["track_total_hits"])
	assert.EqualValues(t, 2, res.TotalCount)
	assert.False(t, res.TotalExact)
	require.Len(t, res.Records, 2)
	require.NotNil(t, res.Next, "more may match than were counted")
	assert.Equal(t, 2, res.Next.Skip)
}

func TestContractSearchNextPageContinuesWithSearchAfter(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"POST /_search": {200, "search_last_page.json"},
		"DELETE /_pit":  {200, ""},
	})
	req := searchRequest(t, "", 2)
	req.Ascending = true
	req.After = &logquery.Cursor{Time: time.Date(2026, 11, 28, 2, 59, 59, 1, time.UTC), Skip: 2, PIT: searchPIT,
		SortValues: []json.RawMessage{json.RawMessage(`"2026-11-28T02:59:59.000000001Z"`), json.RawMessage(`4294967297`)}}
	res, err := newTestClient(t, es.server.URL).Search(context.Background(), req)
	require.NoError(t, err)

	reqs := es.received(2)
	require.Len(t, reqs, 2, "a cursor page opens no point in time, and the last page closes it")
	search := reqs[0]
	assert.Equal(t, "/_search", search.Path)
	assert.Equal(t, map[string]any{"id": searchPIT, "keep_alive": "300s"}, search.Body["pit"])
	assert.Equal(t, []any{"2026-11-28T02:59:59.000000001Z", float64(4294967297)}, search.Body["search_after"])
	assert.NotContains(t, search.Body, "from")
	assert.Equal(t, map[string]any{"_shard_doc": "asc"}, search.Body["sort"].([]any)[1])

	require.Len(t, res.Records, 1)
	assert.Equal(t, "started", res.Records[0].Message)
	assert.Equal(t, "INFO", res.Records[0].Level)
	assert.Nil(t, res.Next, "the last page has no cursor")
	assert.Equal(t, request{Method: http.MethodDelete, Path: "/_pit", Body: map[string]any{"id": searchPIT}},
		request{Method: reqs[1].Method, Path: reqs[1].Path, Body: reqs[1].Body})
}

func TestContractSearchOffsetUsesFrom(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"POST /logs-paylog.otel-default/_pit": {200, "pit_open.json"},
		"POST /_search":                       {200, "search_empty.json"},
		"DELETE /_pit":                        {200, ""},
	})
	req := searchRequest(t, "", 100)
	req.Offset = 9900
	res, err := newTestClient(t, es.server.URL).Search(context.Background(), req)
	require.NoError(t, err)
	assert.Empty(t, res.Records)
	assert.Nil(t, res.Next)
	reqs := es.received(3)
	assert.EqualValues(t, 9900, reqs[1].Body["from"])
	assert.Equal(t, "DELETE", reqs[2].Method, "a page without a cursor closes its point in time")
}

func TestContractSearchOffsetBeyondResultWindowIsARequestError(t *testing.T) {
	es := newFakeCluster(t, nil)
	req := searchRequest(t, "", 100)
	req.Offset = 9901
	_, err := newTestClient(t, es.server.URL).Search(context.Background(), req)
	var requestErr *logquery.RequestError
	require.ErrorAs(t, err, &requestErr)
	assert.Equal(t, "offset", requestErr.Param)
	assert.Contains(t, requestErr.Message, "10000")
	assert.Empty(t, es.received(0), "nothing is sent that Elasticsearch would refuse")
}

func TestContractSearchExpiredCursorIsARequestError(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{"POST /_search": {404, "error_context_missing.json"}})
	req := searchRequest(t, "", 10)
	req.After = &logquery.Cursor{Time: time.Now(), PIT: searchPIT, SortValues: []json.RawMessage{json.RawMessage(`1`)}}
	_, err := newTestClient(t, es.server.URL).Search(context.Background(), req)
	var requestErr *logquery.RequestError
	require.ErrorAs(t, err, &requestErr)
	assert.Equal(t, "cursor", requestErr.Param)
	assert.Contains(t, requestErr.Message, "expired")
}

func TestContractSearchBeforeAnyDocumentIsEmpty(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{"POST /logs-paylog.otel-default/_pit": {404, "error_index_not_found.json"}})
	res, err := newTestClient(t, es.server.URL).Search(context.Background(), searchRequest(t, "error", 10))
	require.NoError(t, err)
	assert.Empty(t, res.Records)
	assert.Zero(t, res.TotalCount)
}

func TestContractSearchErrorsNameTheCause(t *testing.T) {
	tests := []struct {
		file   string
		status int
		want   string
	}{
		{"error_query_shard.json", 400, "elasticsearch answered HTTP 400 search_phase_execution_exception: all shards failed (query_shard_exception: failed to create query: maxClauseCount is set to 4096)"},
		{"error_rejected.json", 429, "elasticsearch answered HTTP 429 es_rejected_execution_exception: rejected execution of TimedRunnable"},
		{"error_security.json", 401, "elasticsearch answered HTTP 401 security_exception: unable to authenticate with provided credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			es := newFakeCluster(t, map[string]answer{
				"POST /logs-paylog.otel-default/_pit": {200, "pit_open.json"},
				"POST /_search":                       {tt.status, tt.file},
				"DELETE /_pit":                        {200, ""},
			})
			_, err := newTestClient(t, es.server.URL).Search(context.Background(), searchRequest(t, "", 10))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var esErr *Error
			require.ErrorAs(t, err, &esErr)
			assert.Equal(t, tt.status, esErr.Status)
			assert.Len(t, es.received(3), 3, "the point in time of a failed search is closed")
		})
	}
}

func TestContractSearchPartialResultsAreAnError(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"POST /logs-paylog.otel-default/_pit": {200, "pit_open.json"},
		"POST /_search":                       {200, "search_shard_failure.json"},
	})
	_, err := newTestClient(t, es.server.URL).Search(context.Background(), searchRequest(t, "", 10))
	assert.EqualError(t, err, "elasticsearch: 1 of 2 shards failed")
}

func TestContractPatterns(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{"POST /logs-paylog.otel-default/_search": {200, "patterns.json"}})
	filter, err := logquery.Parse("level:error")
	require.NoError(t, err)
	req := &logquery.PatternsRequest{Filter: filter, Limit: 50,
		Start: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 28, 3, 0, 1, 0, time.UTC)}
	patterns, err := newTestClient(t, es.server.URL).Patterns(context.Background(), req)
	require.NoError(t, err)

	reqs := es.received(1)
	require.Len(t, reqs, 1)
	body := reqs[0].Body
	assert.EqualValues(t, 0, body["size"], "no documents, only the aggregation")
	filters := body["query"].(map[string]any)["bool"].(map[string]any)["filter"].([]any)
	require.Len(t, filters, 4)
	assert.Equal(t, roundTrip(t, logquery.ToElasticsearch(filter)), filters[0])
	assert.Equal(t, map[string]any{"bool": map[string]any{"must_not": map[string]any{"exists": map[string]any{
		"field": "resource.attributes.paylog.tenant"}}}}, filters[1], "the default tenant: documents stamped with none")
	assert.Equal(t, map[string]any{"exists": map[string]any{"field": "attributes.log.pattern.id"}}, filters[3])
	terms := body["aggs"].(map[string]any)["patterns"].(map[string]any)
	assert.Equal(t, map[string]any{"field": "attributes.log.pattern.id", "size": float64(50), "shard_size": float64(300),
		"order": []any{map[string]any{"_count": "desc"}, map[string]any{"_key": "asc"}}}, terms["terms"])
	sub := terms["aggs"].(map[string]any)
	assert.Equal(t, map[string]any{"min": map[string]any{"field": "@timestamp", "format": "strict_date_optional_time_nanos"}}, sub["first_seen"])
	assert.Equal(t, map[string]any{"max": map[string]any{"field": "@timestamp", "format": "strict_date_optional_time_nanos"}}, sub["last_seen"])
	assert.Contains(t, sub["services"], "terms")
	assert.Contains(t, sub["newest"], "top_hits")

	// Most frequent first, whatever order the buckets came in.
	require.Len(t, patterns, 2)
	assert.Equal(t, logquery.PatternSummary{
		Pattern:   "Payment <*> declined: <*>",
		PatternID: "p1k2ehy341qlmd",
		Count:     3,
		FirstSeen: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC),
		LastSeen:  time.Date(2026, 11, 28, 3, 0, 0, 123456789, time.UTC),
		Services:  []string{"checkout", "payments"},
		Sample:    "Payment 3007 declined: insufficient funds",
	}, patterns[0])
	assert.Equal(t, "p0aa1xkd8q2m1", patterns[1].PatternID)
	assert.EqualValues(t, 2, patterns[1].Count)
	assert.Equal(t, []string{"cache"}, patterns[1].Services)
	assert.Equal(t, "cache miss for key user:42", patterns[1].Sample)
}

func TestContractHealth(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"GET /_cluster/health":                 {200, "cluster_health_yellow.json"},
		"GET /logs-paylog.otel-default/_count": {200, "count.json"},
	})
	c := newTestClient(t, es.server.URL)
	assert.Equal(t, Health{Documents: -1}, c.Health(), "nothing known before a check")
	require.NoError(t, c.Check(context.Background()), "yellow (replicas unassigned) can search everything")
	assert.Equal(t, Health{ClusterStatus: "yellow", Documents: 1234567}, c.Health())
	reqs := es.received(2)
	assert.Equal(t, "allow_no_indices=true&ignore_unavailable=true", reqs[1].Query)

	red := newFakeCluster(t, map[string]answer{"GET /_cluster/health": {200, "cluster_health_red.json"}})
	c = newTestClient(t, red.server.URL)
	assert.EqualError(t, c.Check(context.Background()), `elasticsearch cluster "paylog" is red: some data cannot be searched`)
	assert.Equal(t, "red", c.Health().ClusterStatus)

	denied := newFakeCluster(t, map[string]answer{"GET /_cluster/health": {401, "error_security.json"}})
	err := newTestClient(t, denied.server.URL).Check(context.Background())
	assert.ErrorContains(t, err, "HTTP 401 security_exception")
}

// closedEndpoint is a URL nothing listens on.
func closedEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

func TestContractUnreachable(t *testing.T) {
	c := newTestClient(t, closedEndpoint(t), closedEndpoint(t))
	start := time.Now()
	err := c.Check(context.Background())
	var unreachable *UnreachableError
	require.ErrorAs(t, err, &unreachable)
	assert.Contains(t, err.Error(), "elasticsearch is unreachable: ")
	assert.Contains(t, err.Error(), "connection refused")
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, Health{Documents: -1}, c.Health())

	_, err = c.Search(context.Background(), searchRequest(t, "", 10))
	require.ErrorAs(t, err, &unreachable)
	_, err = c.Patterns(context.Background(), &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Limit: 10})
	require.ErrorAs(t, err, &unreachable)
}

func TestContractFailsOverToTheNextEndpoint(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"GET /_cluster/health":                 {200, "cluster_health_yellow.json"},
		"GET /logs-paylog.otel-default/_count": {200, "count.json"},
	})
	c := newTestClient(t, closedEndpoint(t), es.server.URL)
	for range 4 {
		require.NoError(t, c.Check(context.Background()))
	}
	assert.Len(t, es.received(8), 8, "every request reached the live endpoint")
}

func TestContractBasicAuth(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"GET /_cluster/health":                 {200, "cluster_health_yellow.json"},
		"GET /logs-paylog.otel-default/_count": {200, "count.json"},
	})
	c, err := New(Config{Endpoints: []string{es.server.URL}, Index: "logs-paylog.otel-default", Username: "paylog", Password: "s3cret",
		Timeout: time.Second, CursorKeepAlive: time.Minute, MaxResultWindow: 10000})
	require.NoError(t, err)
	require.NoError(t, c.Check(context.Background()))
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("paylog:s3cret")), es.received(1)[0].Header.Get("Authorization"))
}

func TestContractTLS(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{
		"GET /_cluster/health":                 {200, "cluster_health_yellow.json"},
		"GET /logs-paylog.otel-default/_count": {200, "count.json"},
	})
	es.server.Close()
	es.server = httptest.NewTLSServer(http.HandlerFunc(es.serve))
	t.Cleanup(es.server.Close)

	untrusted := newTestClient(t, es.server.URL)
	err := untrusted.Check(context.Background())
	assert.ErrorContains(t, err, "certificate", "a server the client does not trust is refused")

	trusted, err := New(Config{Endpoints: []string{es.server.URL}, Index: "logs-paylog.otel-default",
		TLS: es.server.Client().Transport.(*http.Transport).TLSClientConfig, Timeout: time.Second,
		CursorKeepAlive: time.Minute, MaxResultWindow: 10000})
	require.NoError(t, err)
	require.NoError(t, trusted.Check(context.Background()))
}

func TestDocumentTime(t *testing.T) {
	for raw, want := range map[string]time.Time{
		`"2026-11-28T03:00:00.123456789Z"`: time.Date(2026, 11, 28, 3, 0, 0, 123456789, time.UTC),
		`"1795834800123.456789"`:           time.Date(2026, 11, 28, 3, 0, 0, 123456789, time.UTC),
		`"1795834800123"`:                  time.Date(2026, 11, 28, 3, 0, 0, 123000000, time.UTC),
		`1795834800123`:                    time.Date(2026, 11, 28, 3, 0, 0, 123000000, time.UTC),
		`"1795834800123.4"`:                time.Date(2026, 11, 28, 3, 0, 0, 123400000, time.UTC),
	} {
		got, err := documentTime(json.RawMessage(raw))
		require.NoError(t, err, raw)
		assert.Equal(t, want, got, raw)
	}
	for _, raw := range []string{`"yesterday"`, `true`, `"12.x"`} {
		_, err := documentTime(json.RawMessage(raw))
		assert.Error(t, err, raw)
	}
	assert.False(t, errors.Is(&Error{Type: "a"}, &Error{}), "an empty type matches nothing")
}

func TestContractHistogram(t *testing.T) {
	es := newFakeCluster(t, map[string]answer{"POST /logs-paylog.otel-default/_search": {200, "histogram.json"}})
	filter, err := logquery.Parse("payment")
	require.NoError(t, err)
	start := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	req := &logquery.HistogramRequest{Filter: filter, Start: start, End: start.Add(3 * time.Minute), Interval: time.Minute, Tenant: "acme"}
	h, err := newTestClient(t, es.server.URL).Histogram(context.Background(), req)
	require.NoError(t, err)

	body := es.received(1)[0].Body
	assert.EqualValues(t, 0, body["size"])
	filters := body["query"].(map[string]any)["bool"].(map[string]any)["filter"].([]any)
	assert.Equal(t, map[string]any{"term": map[string]any{"resource.attributes.paylog.tenant": "acme"}}, filters[1])
	assert.Equal(t, map[string]any{"range": map[string]any{"@timestamp": map[string]any{
		"gte": "2026-11-28T10:00:00Z", "lte": "2026-11-28T10:02:59.999999999Z", "format": "strict_date_optional_time_nanos"}}}, filters[2])
	agg := body["aggs"].(map[string]any)["histogram"].(map[string]any)
	assert.Equal(t, map[string]any{"field": "@timestamp", "fixed_interval": "60000ms", "min_doc_count": float64(1)}, agg["date_histogram"])
	levels := agg["aggs"].(map[string]any)["levels"].(map[string]any)["filters"].(map[string]any)
	assert.Equal(t, "INFO", levels["other_bucket_key"], "documents of no level band count as INFO")
	assert.Equal(t, roundTrip(t, logquery.ToElasticsearch(&logquery.Term{Field: "level", Value: "ERROR"})), levels["filters"].(map[string]any)["ERROR"])
	assert.NotContains(t, levels["filters"], "INFO")

	require.Len(t, h.Buckets, 3)
	assert.Equal(t, map[string]uint64{"ERROR": 3, "INFO": 2}, h.Buckets[0].Counts)
	assert.Empty(t, h.Buckets[1].Counts, "an empty minute is a bucket too")
	assert.Equal(t, map[string]uint64{"CRITICAL": 1, "WARNING": 3}, h.Buckets[2].Counts)
	assert.EqualValues(t, 9, h.TotalCount)
}
