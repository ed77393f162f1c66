package e2e

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/paylog/paylog/internal/testredis"
)

// redisQueueConfig is config/redis-queue.yaml's pipeline with the downstream
// exporter swapped for OTLP/HTTP to a local endpoint the test controls.
const redisQueueConfig = `
extensions:
  redis_storage:
    endpoint: ${env:PAYLOG_REDIS_ENDPOINT}
    prefix: ${env:PAYLOG_REDIS_PREFIX}
  logstore:
    embedded:
      path: ${env:PAYLOG_DATA_DIR}/logs
  searchapi:
    endpoint: ${env:PAYLOG_ENDPOINT}
    queue: redis_storage
receivers:
  logapi:
    mount_on: searchapi
processors:
  patterns:
    storage: redis_storage
exporters:
  otlp_http:
    endpoint: http://%s
    sending_queue:
      enabled: true
      storage: redis_storage
      num_consumers: 4
      queue_size: 100000
    retry_on_failure:
      enabled: true
      initial_interval: 100ms
      max_interval: 1s
      max_elapsed_time: 0
service:
  extensions: [redis_storage, logstore, searchapi]
  pipelines:
    logs:
      receivers: [logapi]
      processors: [patterns]
      exporters: [otlp_http]
  telemetry:
    metrics:
      level: none
`

// otlpSink is the downstream endpoint: it records the seq attribute of
// every log record it receives once it is up, and answers 503 before,
// noting which requests it refused (by their first record).
type otlpSink struct {
	mu      sync.Mutex
	seqs    map[string]int
	refused map[string]bool
	srv     *http.Server
	addr    string
	isUp    atomic.Bool
}

// newOTLPSink listens at once, down, so that its port stays the test's: a
// port found free and bound later can meanwhile be another test's, which
// then receives (and acknowledges) what the exporter sends.
func newOTLPSink(t *testing.T) *otlpSink {
	t.Helper()
	s := &otlpSink{seqs: map[string]int{}, refused: map[string]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.addr = ln.Addr().String()
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

func (s *otlpSink) up() { s.isUp.Store(true) }

// refusedRequests counts the distinct requests refused since the last
// call that reset it.
func (s *otlpSink) refusedRequests(reset bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.refused)
	if reset {
		clear(s.refused)
	}
	return n
}

func (s *otlpSink) serve(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(raw); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	rls := req.Logs().ResourceLogs()
	if !s.isUp.Load() {
		if rls.Len() > 0 && rls.At(0).ScopeLogs().Len() > 0 && rls.At(0).ScopeLogs().At(0).LogRecords().Len() > 0 {
			if seq, ok := rls.At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get("seq"); ok {
				s.refused[seq.Str()] = true
			}
		}
		s.mu.Unlock()
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				if seq, ok := lrs.At(k).Attributes().Get("seq"); ok {
					s.seqs[seq.Str()]++
				}
			}
		}
	}
	s.mu.Unlock()
	out, _ := plogotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// missing returns the acknowledged seqs the sink has not received.
func (s *otlpSink) missing(acked map[string]bool) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []string
	for seq := range acked {
		if s.seqs[seq] == 0 {
			missing = append(missing, seq)
		}
	}
	return missing
}

// seqBatch is a batch-ingest body of n entries with metadata.seq name-0..n-1.
func seqBatch(name string, n int) ([]byte, []string) {
	entries := make([]map[string]any, n)
	seqs := make([]string, n)
	for i := range entries {
		seqs[i] = fmt.Sprintf("%s-%d", name, i)
		entries[i] = map[string]any{
			"level": "ERROR", "service": "payments", "source": "pay-01", "message": fmt.Sprintf("Payment %d declined: card expired", i),
			"metadata": map[string]any{"seq": seqs[i]},
		}
	}
	body, _ := json.Marshal(map[string]any{"logs": entries})
	return body, seqs
}

func queueCheck(t *testing.T, c *collector) (int, map[string]any) {
	t.Helper()
	r := c.do(t, http.MethodGet, "/health", "", nil, nil)
	checks, _ := r.body["checks"].(map[string]any)
	queue, _ := checks["queue"].(map[string]any)
	require.NotNil(t, queue, "/health has a queue check: %s", r.raw)
	return r.status, queue
}

// TestRedisQueueLosesNothingAcknowledged drives the Redis-backed queue
// through what production does to it: the downstream endpoint down, the
// collector killed with SIGKILL, Redis stopped and restarted. Every entry
// answered 2xx must reach the endpoint once it is up (at least once).
func TestRedisQueueLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: starts the collector binary and redis-server")
	}
	redis := testredis.Start(t)
	sink := newOTLPSink(t) // down: it refuses every export
	config := filepath.Join(t.TempDir(), "redis-queue.yaml")
	require.NoError(t, os.WriteFile(config, []byte(fmt.Sprintf(redisQueueConfig, sink.addr)), 0o644))
	env := []string{"PAYLOG_REDIS_ENDPOINT=" + redis.Addr, "PAYLOG_REDIS_PREFIX=e2e"}
	dataDir := t.TempDir()
	c := startCollectorWith(t, dataDir, config, env...)

	acked := map[string]bool{}
	post := func(c *collector, name string) response {
		body, seqs := seqBatch(name, 500)
		r := c.do(t, http.MethodPost, "/logs/batch-ingest", "application/json", body, nil)
		if r.status == http.StatusOK {
			for _, seq := range seqs {
				acked[seq] = true
			}
		}
		return r
	}

	// The endpoint is down: ingest is acknowledged once the logs are in Redis.
	for b := range 10 {
		r := post(c, fmt.Sprintf("before-crash-%d", b))
		require.Equal(t, http.StatusOK, r.status, "%.300s", r.raw)
	}
	status, queue := queueCheck(t, c)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok", queue["status"])
	assert.EqualValues(t, 5000, queue["items"], "/health counts the log records waiting in Redis")

	// kill -9 and a new collector on the same Redis.
	c.kill9()
	sink.refusedRequests(true)
	c = startCollectorWith(t, dataDir, config, env...)
	_, queue = queueCheck(t, c)
	assert.EqualValues(t, 5000, queue["items"], "the new collector finds the queue")
	// Redis goes down once each of the 4 consumers holds a request (and
	// retries it against the sink): a consumer still reading would wait for
	// Redis with the queue's lock (redis_storage does not let the queue skip
	// an item it could not read), and the next request would wait too,
	// instead of the 503 checked below.
	require.Eventually(t, func() bool { return sink.refusedRequests(false) >= 4 }, 30*time.Second, 20*time.Millisecond,
		"the new collector's 4 consumers each send a request")

	// Redis killed: ingest answers 503 at once, never 2xx, and /health says why.
	redis.Kill(t)
	start := time.Now()
	r := post(c, "redis-down")
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "%.300s", r.raw)
	assert.Less(t, time.Since(start), time.Second, "503 within a second")
	status, queue = queueCheck(t, c)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "failing", queue["status"])

	// Redis back (restarted from its AOF, fsynced on every write):
	// ingest recovers by itself.
	redis.Restart(t)
	deadline := time.Now().Add(30 * time.Second)
	for b := 0; ; b++ {
		if post(c, fmt.Sprintf("after-redis-%d", b)).status == http.StatusOK {
			break
		}
		require.True(t, time.Now().Before(deadline), "ingest did not recover within 30s of Redis returning")
		time.Sleep(100 * time.Millisecond)
	}
	for b := range 4 {
		r := post(c, fmt.Sprintf("after-recovery-%d", b))
		require.Equal(t, http.StatusOK, r.status, "%.300s", r.raw)
	}

	// The endpoint comes up: every acknowledged entry arrives.
	sink.up()
	deadline = time.Now().Add(90 * time.Second)
	for {
		missing := sink.missing(acked)
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			sample := missing[:min(10, len(missing))]
			t.Fatalf("%d of %d acknowledged entries never arrived (e.g. %s); log:\n%s",
				len(missing), len(acked), strings.Join(sample, ", "), c.log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.Eventually(t, func() bool {
		_, queue := queueCheck(t, c)
		return queue["items"] == float64(0)
	}, 30*time.Second, 200*time.Millisecond, "the queue drains")
	t.Logf("%d acknowledged entries, all delivered", len(acked))
}

// TestRedisQueueConfigWatchesRedis runs config/redis-queue.yaml as shipped
// against a real Redis: ingest is queued in Redis, /health reports it, and
// the redis receiver's metrics reach the example metrics pipeline.
func TestRedisQueueConfigWatchesRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: starts the collector binary and redis-server")
	}
	redis := testredis.Start(t)
	c := startCollectorWith(t, t.TempDir(), filepath.Join(repoRoot(), "config", "redis-queue.yaml"),
		"PAYLOG_REDIS_ENDPOINT="+redis.Addr, "PAYLOG_REDIS_METRICS_INTERVAL=200ms")

	body, _ := seqBatch("shipped", 100)
	r := c.do(t, http.MethodPost, "/logs/batch-ingest", "application/json", body, nil)
	require.Equal(t, http.StatusOK, r.status, "%.300s", r.raw)
	require.Eventually(t, func() bool {
		r := c.do(t, http.MethodGet, "/logs/search?service=payments&limit=1", "", nil, nil)
		total, _ := r.body["total_count"].(float64)
		return total == 100
	}, 30*time.Second, 100*time.Millisecond, "the logs go through the Redis queue into the store")
	status, queue := queueCheck(t, c)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "redis", queue["backend"])

	require.Eventually(t, func() bool {
		log := c.log()
		return strings.Contains(log, `"otelcol.component.id":"debug/redis"`) && strings.Contains(log, `"data points"`)
	}, 30*time.Second, 100*time.Millisecond, "the redis receiver's metrics reach debug/redis; log:\n%s", c.log())
}
