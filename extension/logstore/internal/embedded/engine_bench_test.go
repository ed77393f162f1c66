package embedded

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/miner"
	"github.com/paylog/paylog/internal/workload"
)

func benchLogs(n int) plog.Logs {
	ld := plog.NewLogs()
	now := time.Now()
	for s := range 20 {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", fmt.Sprintf("service-%d", s))
		rl.Resource().Attributes().PutStr("host.name", fmt.Sprintf("host-%d", s%4))
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for i := range n / 20 {
			r := lrs.AppendEmpty()
			r.SetTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Duration(i) * time.Millisecond)))
			r.SetSeverityNumber(plog.SeverityNumberInfo)
			r.Body().SetStr(fmt.Sprintf("GET /api/v1/orders/%d completed in %dms", i*7919%1000003, i%900))
			r.Attributes().PutStr("correlation_id", "3f2b8c1e-0d4a-4c55-9d7e-1a2b3c4d5e6f")
			if i%10 == 0 {
				r.Attributes().PutStr("error_code", "E042")
				r.Attributes().PutInt("retry_count", 2)
			}
		}
	}
	return ld
}

// BenchmarkWriteDurable measures the store alone: 4 writers each adding
// batches and waiting for the shared durability point, as the exporter's
// queue consumers do.
func BenchmarkWriteDurable(b *testing.B) {
	for _, batch := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			e := openTestEngine(b, b.TempDir())
			defer e.Close()
			ld := benchLogs(batch)
			var done atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for done.Add(int64(batch)) <= int64(b.N) {
						if _, err := e.AddLogs(ld); err != nil {
							b.Error(err)
							return
						}
						if err := e.WaitDurable(context.Background()); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkAddLogsPatternAttributes measures the store's CPU per record
// without and with the patterns processor's attributes (ns/op is per record):
//
//	go test -run '^$' -bench AddLogsPatternAttributes ./extension/logstore/internal/embedded/
func BenchmarkAddLogsPatternAttributes(b *testing.B) {
	for _, attrs := range []string{"none", "id", "id+template"} {
		b.Run(attrs, func(b *testing.B) {
			e := openTestEngine(b, b.TempDir())
			defer e.Close()
			ld := benchLogs(1000)
			if attrs != "none" {
				rls := ld.ResourceLogs()
				for i := 0; i < rls.Len(); i++ {
					lrs := rls.At(i).ScopeLogs().At(0).LogRecords()
					for k := 0; k < lrs.Len(); k++ {
						// 24 patterns, as in the workload: one constant id would be
						// dictionary-encoded and cost the store less than real ids do.
						pattern := strconv.Itoa(k * 7 % 24)
						lrs.At(k).Attributes().PutStr(AttrPatternID, "p1x2y3z4a5b"+pattern)
						if attrs == "id+template" {
							lrs.At(k).Attributes().PutStr(AttrPatternTemplate, "GET /api/v1/orders/<*> completed in <*> "+pattern)
						}
					}
				}
			}
			b.ResetTimer()
			for added := 0; added < b.N; added += ld.LogRecordCount() {
				if _, err := e.AddLogs(ld); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewBatch measures converting a request of 1,000 records to rows,
// as the logstore exporter does for every request (ns/op is per record).
func BenchmarkNewBatch(b *testing.B) {
	ld := benchLogs(1000)
	b.ReportAllocs()
	for b.Loop() {
		NewBatch(ld)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*ld.LogRecordCount()), "ns/record")
}

// BenchmarkNewBatchWorkload is BenchmarkNewBatch on paylog-bench's workload
// (nested metadata on requests and errors, trace ids on a third).
func BenchmarkNewBatchWorkload(b *testing.B) {
	g := workload.New(1, time.Now(), time.Hour)
	ld := plog.NewLogs()
	byService := map[string]plog.LogRecordSlice{}
	for i := range 1000 {
		entry := g.Entry(i, 1000)
		lrs, ok := byService[entry.Service]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", entry.Service)
			lrs = rl.ScopeLogs().AppendEmpty().LogRecords()
			byService[entry.Service] = lrs
		}
		r := lrs.AppendEmpty()
		if err := entry.PutRecord(r); err != nil {
			b.Fatal(err)
		}
		r.Attributes().PutStr(AttrCorrelationID, "3f2b8c1e0d4a4c55")
	}
	b.ReportAllocs()
	for b.Loop() {
		NewBatch(ld)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*ld.LogRecordCount()), "ns/record")
}

// workloadBatch is a request of paylog-bench's workload as the logstore
// exporter queues it: grouped by service and host, and with patterns, each
// record carrying the id the miner gives it and the first of each pattern
// its template (the processor's on_change).
func workloadBatch(b *testing.B, size int, patterns bool) *Batch {
	m := miner.New(miner.Config{})
	seen := map[string]bool{}
	ld, err := workload.New(1, time.Now(), time.Minute).Request(0, size, size, func(entry workload.Entry, r plog.LogRecord) {
		if !patterns {
			return
		}
		match := m.Add(entry.Message)
		r.Attributes().PutStr(AttrPatternID, match.ID)
		if !seen[match.ID] {
			seen[match.ID] = true
			r.Attributes().PutStr(AttrPatternTemplate, match.Template)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	return NewBatch(ld)
}

// BenchmarkAddBatchWorkload measures the store's cost per record (ns/op)
// of the workload without and with the patterns processor's attributes,
// merges included (run it on one core, so that they count):
//
//	go test -run '^$' -bench AddBatchWorkload -benchtime 2000000x -cpu 1 ./extension/logstore/internal/embedded/
func BenchmarkAddBatchWorkload(b *testing.B) {
	for _, patterns := range []bool{false, true} {
		name := "none"
		if patterns {
			name = "patterns"
		}
		b.Run(name, func(b *testing.B) {
			e := openTestEngine(b, b.TempDir())
			defer e.Close()
			batch := workloadBatch(b, 10000, patterns)
			b.ResetTimer()
			for added := 0; added < b.N; added += batch.Len() {
				if _, err := e.AddBatch(batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
