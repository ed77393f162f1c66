package e2e

import (
	"bytes"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paylog/paylog/internal/testredis"
)

// BenchmarkIngest drives POST /logs/batch-ingest on the default config with
// durable acknowledgements (persistent queue with fsync, store durability
// points): b.N logs in batches of 1,000 from 4 concurrent clients. It reports
// acked_logs/s (every request answered 2xx) and stored_logs/s (until search
// counts them all), plus the batch request latency p50/p95.
//
//	make bench   # or: go test -run '^$' -bench BenchmarkIngest -benchtime 200000x -count 5 ./test/e2e/
func BenchmarkIngest(b *testing.B) {
	benchmarkIngest(b, startCollector(b, b.TempDir()))
}

// BenchmarkIngestRedisQueue is BenchmarkIngest on config/redis-queue.yaml:
// the persistent queue in a redis-server (AOF, appendfsync always) the
// benchmark starts.
//
//	go test -run '^$' -bench BenchmarkIngestRedisQueue -benchtime 500000x -count 5 ./test/e2e/
func BenchmarkIngestRedisQueue(b *testing.B) {
	redis := testredis.Start(b)
	config := filepath.Join(repoRoot(), "config", "redis-queue.yaml")
	benchmarkIngest(b, startCollectorWith(b, b.TempDir(), config, "PAYLOG_REDIS_ENDPOINT="+redis.Addr))
}

func benchmarkIngest(b *testing.B, c *collector) {
	const (
		batchSize = 1000
		clients   = 4
	)
	bodies, rawBytes := workloadBatches(42, b.N, batchSize)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}

	var (
		next      atomic.Int64
		failures  atomic.Int64
		latencyMu sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	cpuBefore := c.cpuTime(b)
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				t0 := time.Now()
				resp, err := client.Post(c.url("/logs/batch-ingest"), "application/json", bytes.NewReader(bodies[i]))
				if err != nil {
					failures.Add(1)
					continue
				}
				_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failures.Add(1)
				}
				latencyMu.Lock()
				latencies = append(latencies, time.Since(t0))
				latencyMu.Unlock()
			}
		})
	}
	wg.Wait()
	acked := time.Since(start)
	if failures.Load() > 0 {
		b.Fatalf("%d batch requests failed", failures.Load())
	}
	// Poll the store's row count, not a search: a search over all rows
	// every few milliseconds would compete with ingest for the CPU.
	for deadline := time.Now().Add(5 * time.Minute); c.storedRows(b) < b.N; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d logs stored after 5 minutes", c.storedRows(b), b.N)
		}
	}
	stored := time.Since(start)
	b.StopTimer()
	cpu := c.cpuTime(b) - cpuBefore

	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/acked.Seconds(), "acked_logs/s")
	b.ReportMetric(float64(b.N)/stored.Seconds(), "stored_logs/s")
	b.ReportMetric(pct(0.50), "p50_batch_ms")
	b.ReportMetric(pct(0.95), "p95_batch_ms")
	b.ReportMetric(float64(rawBytes)/float64(b.N), "json_bytes/log")
	// The collector's CPU time (all threads) per log from start to stored:
	// steadier than the rates on a noisy machine.
	b.ReportMetric(float64(cpu.Nanoseconds())/1000/float64(b.N), "cpu_us/log")
}
