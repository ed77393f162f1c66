package patterns

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/paylog/paylog/internal/workload"
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

// BenchmarkProcessLogsWorkload is BenchmarkProcessLogs on paylog-bench's
// workload, grouped as the logapi receiver groups a request (a resource per
// service and host), 64 different requests in turn. Copying a request is
// not timed. The templates go as the shipped config sends them (on_change).
func BenchmarkProcessLogsWorkload(b *testing.B) {
	cfg := createDefaultConfig().(*Config)
	cfg.TemplateAttribute = TemplateOnChange
	p, err := newPatternsProcessor(cfg, processortest.NewNopSettings(metadata.Type))
	if err != nil {
		b.Fatal(err)
	}
	p.next = consumertest.NewNop()
	const requests, size = 64, 1000
	g := workload.New(42, time.Now(), time.Hour)
	batches := make([]plog.Logs, requests)
	for i := range batches {
		batches[i], err = g.Request(i*size, requests*size, size, func(_ workload.Entry, r plog.LogRecord) {
			r.Attributes().PutStr("correlation_id", "3f2b8c1e0d4a4c55")
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	ld := plog.NewLogs()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ld = plog.NewLogs()
		batches[i%len(batches)].CopyTo(ld)
		leaveRoom(ld)
		b.StartTimer()
		if err := p.consumeLogs(context.Background(), ld); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/record")
}

// leaveRoom grows every record's attributes by the two the processor may
// add, as the logapi receiver does (CopyTo leaves no room).
func leaveRoom(ld plog.Logs) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				attrs := lrs.At(k).Attributes()
				attrs.EnsureCapacity(attrs.Len() + 2)
			}
		}
	}
}
