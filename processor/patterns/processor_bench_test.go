package patterns

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/paylog/paylog/processor/patterns/internal/metadata"
)

var benchTemplates = []string{
	"User %d logged in from 10.0.%d.%d",
	"GET /api/v1/orders/%d completed in %dms",
	"Payment %d declined: insufficient funds for account acct-%d",
	"Cache hit ratio %d%% for region eu-west-%d",
	"Retrying request to payments attempt %d of %d",
}

func benchBatch(n int) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range n {
		r := lrs.AppendEmpty()
		r.Body().SetStr(fmt.Sprintf(benchTemplates[i%len(benchTemplates)], i*7919%100000, i%250, i%7))
		r.Attributes().PutStr("correlation_id", "3f2b8c1e-0d4a-4c55-9d7e-1a2b3c4d5e6f")
	}
	return ld
}

// BenchmarkProcessLogs measures the processor per record on batches of
// 1,000 records, as the ingest benchmark sends them.
func BenchmarkProcessLogs(b *testing.B) {
	p, err := newPatternsProcessor(createDefaultConfig().(*Config), processortest.NewNopSettings(metadata.Type))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	batches := make([]plog.Logs, 64)
	for i := range batches {
		batches[i] = benchBatch(1000)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ld := plog.NewLogs()
		batches[i%len(batches)].CopyTo(ld)
		p.processLogs(ld)
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkProcessLogsParallel is BenchmarkProcessLogs from concurrent
// callers, as receivers call the processor from every request's goroutine.
func BenchmarkProcessLogsParallel(b *testing.B) {
	p, err := newPatternsProcessor(createDefaultConfig().(*Config), processortest.NewNopSettings(metadata.Type))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	batch := benchBatch(1000)
	b.ReportAllocs()
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ld := plog.NewLogs()
			batch.CopyTo(ld)
			p.processLogs(ld)
		}
	})
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "records/s")
}
