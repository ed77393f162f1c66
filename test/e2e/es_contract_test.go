package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paylog/paylog/internal/testredis"
)

// Contract tests of the Elasticsearch path: Elasticsearch cannot run here,
// so a local HTTP server stands in for it. It records the _bulk bodies the
// collector sends and answers with the response shapes Elasticsearch 8
// documents for the bulk API: success, per-item failures, and whole-request
// 429 and 503.

// esReply is how the fake answers one _bulk request.
type esReply int

const (
	esOK           esReply = iota
	esUnavailable          // 503, the cluster has no master, say
	esTooManyReqs          // 429 for the whole request
	esFirstItem429         // 200 with errors: the first item rejected with 429
	esFirstItem400         // 200 with errors: the first item has a mapping conflict
)

type fakeES struct {
	mu      sync.Mutex
	script  []esReply // replies for the next requests; then esOK
	seen    map[esReply]int
	indexed map[string]map[string]any // seq → document answered 201
	indices map[string]bool
	dropped []string // seqs answered 400: never to be retried
	reads   []esRead // search and aggregation requests received
}

func startFakeES(t *testing.T, script ...esReply) (*fakeES, string) {
	t.Helper()
	return startFakeESAt(t, "127.0.0.1:0", script...)
}

// startFakeESAt starts the fake listening on addr.
func startFakeESAt(t *testing.T, addr string, script ...esReply) (*fakeES, string) {
	t.Helper()
	es := &fakeES{script: script, seen: map[esReply]int{}, indexed: map[string]map[string]any{}, indices: map[string]bool{}}
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(es.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return es, "http://" + ln.Addr().String()
}

func (es *fakeES) serve(w http.ResponseWriter, r *http.Request) {
	// The Go client refuses servers that do not say they are Elasticsearch.
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/" {
		_, _ = io.WriteString(w, `{"name":"es01","cluster_name":"paylog","version":{"number":"8.15.0","build_flavor":"default"},"tagline":"You Know, for Search"}`)
		return
	}
	if es.serveRead(w, r) {
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/_bulk") {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"type":"not_found"},"status":404}`)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body = zr
	}
	type item struct {
		index string
		doc   map[string]any
	}
	var items []item
	lines := bufio.NewScanner(body)
	lines.Buffer(make([]byte, 1<<20), 64<<20)
	for lines.Scan() {
		var action map[string]map[string]any
		if err := json.Unmarshal(lines.Bytes(), &action); err != nil || !lines.Scan() {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var doc map[string]any
		if err := json.Unmarshal(lines.Bytes(), &doc); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		index, _ := action["create"]["_index"].(string)
		items = append(items, item{index: index, doc: doc})
	}

	es.mu.Lock()
	defer es.mu.Unlock()
	reply := esOK
	if len(es.script) > 0 {
		reply, es.script = es.script[0], es.script[1:]
	}
	es.seen[reply]++
	switch reply {
	case esUnavailable:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"root_cause":[{"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/2/no master];"}],"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/2/no master];"},"status":503}`)
		return
	case esTooManyReqs:
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}],"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"},"status":429}`)
		return
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, `{"took":3,"errors":%t,"items":[`, reply != esOK)
	for i, it := range items {
		if i > 0 {
			out.WriteByte(',')
		}
		seq := docSeq(it.doc)
		switch {
		case i == 0 && reply == esFirstItem429:
			fmt.Fprintf(&out, `{"create":{"_index":%q,"_id":null,"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of primary operation"}}}`, it.index)
		case i == 0 && reply == esFirstItem400:
			es.dropped = append(es.dropped, seq)
			fmt.Fprintf(&out, `{"create":{"_index":%q,"_id":null,"status":400,"error":{"type":"document_parsing_exception","reason":"[1:42] failed to parse field [attributes.seq]"}}}`, it.index)
		default:
			es.indexed[seq] = it.doc
			es.indices[it.index] = true
			fmt.Fprintf(&out, `{"create":{"_index":".ds-%s-2026.11.28-000001","_id":"id%d","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":%d,"_primary_term":1,"status":201}}`, it.index, i, i)
		}
	}
	out.WriteString(`]}`)
	_, _ = w.Write(out.Bytes())
}

// docSeq is the seq attribute of an otel-mode document.
func docSeq(doc map[string]any) string {
	attrs, _ := doc["attributes"].(map[string]any)
	seq, _ := attrs["seq"].(string)
	return seq
}

func (es *fakeES) missing(seqs map[string]bool) int {
	es.mu.Lock()
	defer es.mu.Unlock()
	n := 0
	for seq := range seqs {
		if _, ok := es.indexed[seq]; !ok {
			n++
		}
	}
	return n
}

// TestElasticsearchContractBulkRetriesAndFields runs config/elasticsearch.yaml
// as shipped (queue in a real Redis) against the fake Elasticsearch: 503 and
// 429 answers and a per-item 429 are retried until every acknowledged entry
// is indexed; a per-item 400 is dropped (it can never succeed); the
// documents carry every field of the API.
func TestElasticsearchContractBulkRetriesAndFields(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: starts the collector binary and redis-server")
	}
	redis := testredis.Start(t)
	es, esURL := startFakeES(t, esUnavailable, esUnavailable, esTooManyReqs, esFirstItem429, esFirstItem400)
	c := startCollectorUntil(t, t.TempDir(), filepath.Join(repoRoot(), "config", "elasticsearch.yaml"),
		"/logs/ingest", http.StatusMethodNotAllowed,
		"PAYLOG_ES_ENDPOINT="+esURL, "PAYLOG_REDIS_ENDPOINT="+redis.Addr)

	ts := time.Date(2026, 11, 28, 3, 4, 5, 123456000, time.UTC)
	acked := map[string]bool{}
	for b := range 5 {
		entries := make([]map[string]any, 200)
		for i := range entries {
			seq := fmt.Sprintf("es-%d-%d", b, i)
			entries[i] = map[string]any{
				"timestamp": ts.Format(time.RFC3339Nano), "level": "ERROR", "service": "payments", "source": "pay-01",
				"message":  fmt.Sprintf("Payment %d declined: insufficient funds", b*1000+i),
				"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7",
				"metadata": map[string]any{"seq": seq, "order": map[string]any{"amount": 42.5}},
			}
			acked[seq] = true
		}
		body, _ := json.Marshal(map[string]any{"logs": entries})
		r := c.do(t, http.MethodPost, "/logs/batch-ingest", "application/json", body, nil)
		require.Equal(t, http.StatusOK, r.status, "%.300s", r.raw)
	}

	deadline := time.Now().Add(60 * time.Second)
	for {
		es.mu.Lock()
		for _, seq := range es.dropped {
			delete(acked, seq)
		}
		es.mu.Unlock()
		if es.missing(acked) == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d of %d entries never indexed; log:\n%s", es.missing(acked), len(acked), c.log())
		time.Sleep(100 * time.Millisecond)
	}

	es.mu.Lock()
	defer es.mu.Unlock()
	for _, reply := range []esReply{esUnavailable, esTooManyReqs, esFirstItem429, esFirstItem400} {
		assert.Positive(t, es.seen[reply], "the fake answered reply %d", reply)
	}
	assert.Len(t, es.dropped, 1, "only the document Elasticsearch rejected for good is dropped")
	assert.Equal(t, map[string]bool{"logs-paylog.otel-default": true}, es.indices)

	doc := es.indexed["es-3-7"]
	require.NotNil(t, doc)
	// otel mode writes epoch milliseconds with the nanoseconds as a fraction
	// (the date_nanos format of Elasticsearch's otel templates).
	assert.Equal(t, fmt.Sprintf("%d.%06d", ts.UnixNano()/1e6, ts.UnixNano()%1e6), doc["@timestamp"])
	assert.Equal(t, map[string]any{"text": "Payment 3007 declined: insufficient funds"}, doc["body"])
	assert.Equal(t, "ERROR", doc["severity_text"])
	assert.EqualValues(t, 17, doc["severity_number"])
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", doc["trace_id"])
	assert.Equal(t, "00f067aa0ba902b7", doc["span_id"])
	resource, _ := doc["resource"].(map[string]any)
	assert.Equal(t, map[string]any{"service.name": "payments", "host.name": "pay-01"}, resource["attributes"])
	attrs, _ := doc["attributes"].(map[string]any)
	assert.Equal(t, "es-3-7", attrs["seq"])
	assert.Equal(t, map[string]any{"amount": 42.5}, attrs["order"], "nested metadata keeps its shape")
	assert.NotEmpty(t, attrs["correlation_id"])
	assert.NotEmpty(t, attrs["log.pattern.id"])
	assert.Equal(t, "Payment <*> declined: insufficient funds", attrs["log.pattern.template"])
}
