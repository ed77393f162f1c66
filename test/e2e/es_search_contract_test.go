package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/testredis"
)

// Contract tests of searchapi on the logstore extension's elasticsearch
// backend. The fake Elasticsearch answers the read APIs in Elasticsearch's
// response shapes with the documents the collector's own exporter indexed
// into it: a record goes in through the JSON API, out through _bulk, back
// through _search and comes out of /logs/search as it went in. The fake does
// not evaluate queries (the query DSL itself is checked against golden files
// in internal/logquery); it records them, and the test checks that each is
// the search expression compiled by the shared compiler.

// esRead is one read request the fake received.
type esRead struct {
	method, path string
	body         map[string]any
}

// serveRead answers the read APIs; false for other requests.
func (es *fakeES) serveRead(w http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	read := r.Method == http.MethodGet && (path == "/_cluster/health" || strings.HasSuffix(path, "/_count")) ||
		strings.HasSuffix(path, "/_pit") || strings.HasSuffix(path, "/_search")
	if !read {
		return false
	}
	var body map[string]any
	if raw, _ := io.ReadAll(r.Body); len(raw) > 0 {
		_ = json.Unmarshal(raw, &body)
	}
	es.mu.Lock()
	defer es.mu.Unlock()
	es.reads = append(es.reads, esRead{method: r.Method, path: path, body: body})
	var out any
	switch {
	case path == "/_cluster/health":
		out = map[string]any{"cluster_name": "paylog", "status": "yellow", "timed_out": false, "number_of_nodes": 1,
			"active_primary_shards": 1, "active_shards": 1, "unassigned_shards": 1}
	case strings.HasSuffix(path, "/_count"):
		out = map[string]any{"count": len(es.indexed), "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
	case r.Method == http.MethodDelete:
		out = map[string]any{"succeeded": true, "num_freed": 1}
	case strings.HasSuffix(path, "/_pit"):
		out = map[string]any{"id": "pit-opened", "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
	case path == "/_search":
		out = es.searchPage(body)
	default:
		out = es.patternAggregation()
	}
	_ = json.NewEncoder(w).Encode(out)
	return true
}

// sortedDocs are the indexed documents newest first, ties by seq.
func (es *fakeES) sortedDocs() []map[string]any {
	docs := make([]map[string]any, 0, len(es.indexed))
	for _, d := range es.indexed {
		docs = append(docs, d)
	}
	sort.Slice(docs, func(i, j int) bool {
		ti, tj := docTime(docs[i]), docTime(docs[j])
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return docSeq(docs[i]) < docSeq(docs[j])
	})
	return docs
}

func docTime(doc map[string]any) time.Time {
	millis, frac, _ := strings.Cut(doc["@timestamp"].(string), ".")
	ms, _ := strconv.ParseInt(millis, 10, 64)
	ns, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(0, ms*1e6+ns).UTC()
}

// searchPage answers a point-in-time search: newest first, the position in
// that order as the _shard_doc sort value, continued after search_after.
func (es *fakeES) searchPage(body map[string]any) map[string]any {
	docs := es.sortedDocs()
	from := 0
	if after, ok := body["search_after"].([]any); ok && len(after) == 2 {
		from = int(after[1].(float64)) + 1
	} else if f, ok := body["from"].(float64); ok {
		from = int(f)
	}
	size := int(body["size"].(float64))
	hits := []any{}
	for i := from; i < len(docs) && i < from+size; i++ {
		hits = append(hits, map[string]any{
			"_index": ".ds-logs-paylog.otel-default-2026.11.28-000001", "_id": "id-" + docSeq(docs[i]), "_score": nil,
			"_source": docs[i], "sort": []any{docTime(docs[i]).Format(time.RFC3339Nano), i},
		})
	}
	return map[string]any{
		"pit_id": "pit-renewed", "took": 1, "timed_out": false,
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":    map[string]any{"total": map[string]any{"value": len(docs), "relation": "eq"}, "max_score": nil, "hits": hits},
	}
}

// patternAggregation answers the pattern aggregation over all documents.
func (es *fakeES) patternAggregation() map[string]any {
	type bucket struct {
		count       int
		first, last time.Time
		services    map[string]bool
		newest      map[string]any
	}
	buckets := map[string]*bucket{}
	for _, doc := range es.sortedDocs() { // newest first
		attrs, _ := doc["attributes"].(map[string]any)
		id, _ := attrs["log.pattern.id"].(string)
		b := buckets[id]
		if b == nil {
			b = &bucket{last: docTime(doc), services: map[string]bool{}, newest: doc}
			buckets[id] = b
		}
		b.count++
		b.first = docTime(doc)
		resource, _ := doc["resource"].(map[string]any)
		rattrs, _ := resource["attributes"].(map[string]any)
		b.services[rattrs["service.name"].(string)] = true
	}
	out := []any{}
	for id, b := range buckets {
		services := []any{}
		for s := range b.services {
			services = append(services, map[string]any{"key": s, "doc_count": 1})
		}
		attrs := b.newest["attributes"].(map[string]any)
		out = append(out, map[string]any{
			"key": id, "doc_count": b.count,
			"first_seen": map[string]any{"value": b.first.UnixMilli(), "value_as_string": b.first.Format(time.RFC3339Nano)},
			"last_seen":  map[string]any{"value": b.last.UnixMilli(), "value_as_string": b.last.Format(time.RFC3339Nano)},
			"services":   map[string]any{"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": services},
			"newest": map[string]any{"hits": map[string]any{"total": map[string]any{"value": b.count, "relation": "eq"}, "hits": []any{
				map[string]any{"_id": "id-" + docSeq(b.newest), "_source": map[string]any{
					"@timestamp": b.newest["@timestamp"], "body": b.newest["body"],
					"attributes": map[string]any{"log.pattern.template": attrs["log.pattern.template"]},
				}},
			}}},
		})
	}
	return map[string]any{
		"took": 2, "timed_out": false, "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":         map[string]any{"total": map[string]any{"value": len(es.indexed), "relation": "eq"}, "hits": []any{}},
		"aggregations": map[string]any{"patterns": map[string]any{"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": out}},
	}
}

func (es *fakeES) readsTo(path string) []esRead {
	es.mu.Lock()
	defer es.mu.Unlock()
	var out []esRead
	for _, r := range es.reads {
		if r.path == path {
			out = append(out, r)
		}
	}
	return out
}

// compiledFilter is the query a backend search must carry for expr: the
// shared compiler's output, as JSON decodes it.
func compiledFilter(t *testing.T, expr string) any {
	n, err := logquery.Parse(expr)
	require.NoError(t, err)
	raw, err := json.Marshal(logquery.ToElasticsearch(n))
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// TestElasticsearchContractSearchRoundTrip runs config/elasticsearch.yaml
// as shipped: entries ingested through the JSON API reach the fake
// Elasticsearch through the exporter, and /logs/search, cursor pages,
// /logs/patterns and /health answer from it with the same shapes as on the
// embedded store.
func TestElasticsearchContractSearchRoundTrip(t *testing.T) {
	redis := testredis.Start(t)
	es, esURL := startFakeES(t)
	c := startCollectorUntil(t, t.TempDir(), filepath.Join(repoRoot(), "config", "elasticsearch.yaml"),
		"/health", http.StatusOK, "PAYLOG_ES_ENDPOINT="+esURL, "PAYLOG_REDIS_ENDPOINT="+redis.Addr)

	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	type sent struct {
		ts             time.Time
		level, message string
		service        string
	}
	want := map[string]sent{}
	var entries []map[string]any
	for i := range 25 {
		seq := fmt.Sprintf("rt-%02d", i)
		e := sent{ts: base.Add(time.Duration(i) * time.Second).Add(time.Duration(i) * time.Microsecond), level: "ERROR",
			message: fmt.Sprintf("Payment %d declined: insufficient funds", 3000+i), service: "payments"}
		if i%5 == 0 {
			e.level, e.message, e.service = "CRITICAL", fmt.Sprintf("Refund %d failed after %dms", i, 100+i), "refunds"
		}
		want[seq] = e
		entries = append(entries, map[string]any{
			"timestamp": e.ts.Format(time.RFC3339Nano), "level": e.level, "service": e.service, "source": "pay-01",
			"message": e.message, "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7",
			"metadata": map[string]any{"seq": seq, "order": map[string]any{"amount": 42.5}},
		})
	}
	body, _ := json.Marshal(map[string]any{"logs": entries})
	r := c.do(t, http.MethodPost, "/logs/batch-ingest", "application/json", body, map[string]string{"X-Request-ID": "rt-batch"})
	require.Equal(t, http.StatusOK, r.status, "%.300s", r.raw)
	acked := map[string]bool{}
	for seq := range want {
		acked[seq] = true
	}
	deadline := time.Now().Add(30 * time.Second)
	for es.missing(acked) > 0 {
		require.True(t, time.Now().Before(deadline), "%d entries never indexed; log:\n%s", es.missing(acked), c.log())
		time.Sleep(100 * time.Millisecond)
	}

	// Page through everything, newest first, 10 at a time.
	var seen []string
	params := url.Values{"query": {"service:payments OR service:refunds"}, "limit": {"10"}}
	for page := 0; ; page++ {
		r := c.do(t, http.MethodGet, "/logs/search?"+params.Encode(), "", nil, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		var res struct {
			Logs []struct {
				logquery.Record
				PatternID *string `json:"pattern_id"`
				Pattern   *string `json:"pattern"`
			} `json:"logs"`
			TotalCount int     `json:"total_count"`
			NextCursor *string `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(r.raw, &res))
		assert.Equal(t, 25, res.TotalCount)
		for _, l := range res.Logs {
			seq, _ := l.Metadata["seq"].(string)
			e, ok := want[seq]
			require.True(t, ok, "unknown record %+v", l)
			seen = append(seen, seq)
			assert.Equal(t, e.ts, l.Timestamp.UTC(), seq)
			assert.Equal(t, e.level, l.Level)
			assert.Equal(t, e.message, l.Message)
			assert.Equal(t, "pay-01", l.Source)
			assert.Equal(t, e.service, *l.Service)
			assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", *l.TraceID)
			assert.Equal(t, "00f067aa0ba902b7", *l.SpanID)
			assert.Equal(t, "rt-batch", *l.CorrelationID)
			assert.Equal(t, map[string]any{"seq": seq, "order": map[string]any{"amount": 42.5}}, l.Metadata)
			require.NotNil(t, l.PatternID)
			require.NotNil(t, l.Pattern)
			if e.service == "payments" {
				assert.Equal(t, "Payment <*> declined: insufficient funds", *l.Pattern)
			}
		}
		searches := es.readsTo("/_search")
		last := searches[len(searches)-1].body
		assert.Equal(t, compiledFilter(t, params.Get("query")), last["query"].(map[string]any)["bool"].(map[string]any)["filter"].([]any)[0])
		if page == 0 {
			assert.Equal(t, "pit-opened", last["pit"].(map[string]any)["id"])
			assert.NotContains(t, last, "search_after")
		} else {
			assert.Equal(t, "pit-renewed", last["pit"].(map[string]any)["id"], "cursor pages use the newest point in time")
			assert.Contains(t, last, "search_after")
		}
		if res.NextCursor == nil {
			assert.Equal(t, 2, page, "25 records are 3 pages of 10")
			break
		}
		params.Set("cursor", *res.NextCursor)
	}
	require.Len(t, seen, 25, "every record exactly once")
	for i := range seen {
		assert.Equal(t, fmt.Sprintf("rt-%02d", 24-i), seen[i], "newest first")
	}
	assert.Len(t, es.readsTo("/logs-paylog.otel-default/_pit"), 1, "one point in time opened for the three pages")
	assert.Eventually(t, func() bool {
		closes := es.readsTo("/_pit")
		return len(closes) == 1 && closes[0].method == http.MethodDelete && closes[0].body["id"] == "pit-renewed"
	}, 5*time.Second, 50*time.Millisecond, "the point in time is closed after the last page")

	// Offsets past Elasticsearch's result window are the client's to fix.
	r = c.do(t, http.MethodGet, "/logs/search?offset=9950&limit=100", "", nil, nil)
	require.Equal(t, http.StatusBadRequest, r.status, "%s", r.raw)
	assert.Equal(t, "offset", r.body["field"], "%s", r.raw)

	// Patterns: the aggregation runs in Elasticsearch on the searched index.
	patterns := c.patterns(t, url.Values{"hours": {"24"}})
	aggs := es.readsTo("/logs-paylog.otel-default/_search")
	require.Len(t, aggs, 1)
	assert.Equal(t, compiledFilter(t, "level:ERROR OR level:CRITICAL"), aggs[0].body["query"].(map[string]any)["bool"].(map[string]any)["filter"].([]any)[0],
		"/logs/patterns counts ERROR and CRITICAL by default")
	require.Len(t, patterns, 2)
	assert.Equal(t, 20, patterns[0].Count)
	assert.Equal(t, "Payment <*> declined: insufficient funds", patterns[0].Pattern)
	assert.Equal(t, []string{"payments"}, patterns[0].Services)
	assert.Equal(t, "Payment 3024 declined: insufficient funds", patterns[0].Sample)
	assert.Equal(t, base.Add(time.Second+time.Microsecond), patterns[0].FirstSeen.UTC())
	assert.Equal(t, base.Add(24*time.Second+24*time.Microsecond), patterns[0].LastSeen.UTC())
	assert.Equal(t, 5, patterns[1].Count)
	assert.Equal(t, []string{"refunds"}, patterns[1].Services)

	// Health: the cluster's status and the index's document count.
	h := c.do(t, http.MethodGet, "/health", "", nil, nil)
	require.Equal(t, http.StatusOK, h.status, "%s", h.raw)
	store := h.body["checks"].(map[string]any)["store"].(map[string]any)
	assert.Equal(t, map[string]any{"status": "ok", "backend": "elasticsearch", "rows": float64(25), "cluster_status": "yellow"}, store)
	assert.Equal(t, "ok", h.body["checks"].(map[string]any)["queue"].(map[string]any)["status"])
}

// TestElasticsearchUnreachable: with nothing listening where Elasticsearch
// should be, searches answer 503 with an error that says so and /health is
// 503 with the store failing, while ingest still answers 200: the entries
// wait in Redis. Once Elasticsearch answers, every one of them is indexed
// and search and health recover by themselves.
func TestElasticsearchUnreachable(t *testing.T) {
	redis := testredis.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	esAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c := startCollectorUntil(t, t.TempDir(), filepath.Join(repoRoot(), "config", "elasticsearch.yaml"),
		"/health", http.StatusServiceUnavailable, "PAYLOG_ES_ENDPOINT=http://"+esAddr, "PAYLOG_REDIS_ENDPOINT="+redis.Addr)

	for _, path := range []string{"/logs/search?query=error", "/logs/patterns?hours=1"} {
		r := c.do(t, http.MethodGet, path, "", nil, nil)
		assert.Equal(t, http.StatusServiceUnavailable, r.status, path)
		assert.Equal(t, "1", r.header.Get("Retry-After"), path)
		assert.Contains(t, r.body["message"], "elasticsearch is unreachable", "%s: %s", path, r.raw)
		assert.Contains(t, r.body["message"], "connection refused", path)
	}
	h := c.do(t, http.MethodGet, "/health", "", nil, nil)
	assert.Equal(t, http.StatusServiceUnavailable, h.status)
	assert.Equal(t, "unhealthy", h.body["status"])
	store := h.body["checks"].(map[string]any)["store"].(map[string]any)
	assert.Equal(t, "failing", store["status"])
	assert.Equal(t, "elasticsearch", store["backend"])
	assert.Contains(t, store["error"], "elasticsearch is unreachable")

	acked := map[string]bool{}
	for b := range 4 {
		entries := make([]map[string]any, 250)
		for i := range entries {
			seq := fmt.Sprintf("down-%d-%d", b, i)
			entries[i] = map[string]any{"level": "ERROR", "message": fmt.Sprintf("queued %d while Elasticsearch is down", i),
				"source": "pay-01", "metadata": map[string]any{"seq": seq}}
			acked[seq] = true
		}
		body, _ := json.Marshal(entries)
		r := c.do(t, http.MethodPost, "/logs/batch-ingest", "application/json", body, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	}
	assert.Eventually(t, func() bool {
		h := c.do(t, http.MethodGet, "/health", "", nil, nil)
		q := h.body["checks"].(map[string]any)["queue"].(map[string]any)
		return q["status"] == "ok" && q["items"].(float64) >= 1
	}, 10*time.Second, 100*time.Millisecond, "the entries wait in the Redis queue")
	// The exporter keeps retrying meanwhile.
	time.Sleep(3 * time.Second)

	es, _ := startFakeESAt(t, esAddr)
	deadline := time.Now().Add(60 * time.Second)
	for es.missing(acked) > 0 {
		require.True(t, time.Now().Before(deadline), "%d of %d acknowledged entries never indexed after Elasticsearch came back; log:\n%s",
			es.missing(acked), len(acked), c.log())
		time.Sleep(100 * time.Millisecond)
	}
	assert.Eventually(t, func() bool {
		return c.do(t, http.MethodGet, "/health", "", nil, nil).status == http.StatusOK
	}, 10*time.Second, 100*time.Millisecond, "health recovers")
	r := c.do(t, http.MethodGet, "/logs/search?limit=5", "", nil, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.EqualValues(t, len(acked), r.body["total_count"])
}
