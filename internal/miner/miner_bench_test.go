package miner

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paylog/paylog/internal/workload"
)

// devSetLines reads the Content column of every Loghub-2k system in
// ../shared/loghub-dev (16,000 lines).
func devSetLines(b *testing.B) []string {
	paths, _ := filepath.Glob("../../../shared/loghub-dev/*/*_2k.log_structured_corrected.csv")
	if len(paths) == 0 {
		b.Skip("../shared/loghub-dev is not beside the repository")
	}
	var lines []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		col := -1
		for i, name := range rows[0] {
			if name == "Content" {
				col = i
			}
		}
		for _, r := range rows[1:] {
			lines = append(lines, r[col])
		}
	}
	return lines
}

// BenchmarkAdd mines the dev set again and again on one goroutine:
//
//	go test -run '^$' -bench BenchmarkAdd -benchmem -cpu 1 ./internal/miner/
func BenchmarkAdd(b *testing.B) {
	lines := devSetLines(b)
	m := New(Config{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Add(lines[i%len(lines)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkAddBatch mines the dev set in batches of 1,000, as the patterns
// processor does with an ingest request:
//
//	go test -run '^$' -bench BenchmarkAddBatch -benchmem -cpu 1 ./internal/miner/
func BenchmarkAddBatch(b *testing.B) {
	const batchSize = 1000
	lines := devSetLines(b)
	m := New(Config{})
	batch := make([]string, batchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for mined := 0; mined < b.N; mined += batchSize {
		for i := range batch {
			batch[i] = lines[(mined+i)%len(lines)]
		}
		m.AddBatch(batch[:min(batchSize, b.N-mined)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkAppendBatchWorkload mines paylog-bench's workload (its services'
// messages, ids and numbers) in batches of 1,000, as the patterns processor
// does with an ingest request:
//
//	go test -run '^$' -bench BenchmarkAppendBatchWorkload -benchmem -cpu 1 ./internal/miner/
func BenchmarkAppendBatchWorkload(b *testing.B) {
	const batchSize, distinct = 1000, 200000
	g := workload.New(42, time.Now(), time.Hour)
	lines := make([]string, distinct)
	for i := range lines {
		lines[i] = g.Entry(i, distinct).Message
	}
	m := New(Config{})
	var matches []Match
	b.ReportAllocs()
	b.ResetTimer()
	for mined := 0; mined < b.N; mined += batchSize {
		start := mined % distinct
		matches = m.AppendBatch(matches[:0], lines[start:start+min(batchSize, b.N-mined)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
