package logapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/paylog/paylog/internal/workload"
)

// BenchmarkDecodeBatch decodes one /logs/batch-ingest body of 1,000
// generated entries into pdata, as the handler does.
func BenchmarkDecodeBatch(b *testing.B) {
	const entries = 1000
	g := workload.New(1, time.Now(), time.Hour)
	body := []byte(`{"logs":[`)
	for i := range entries {
		if i > 0 {
			body = append(body, ',')
		}
		line, err := json.Marshal(g.Entry(i, entries))
		if err != nil {
			b.Fatal(err)
		}
		body = append(body, line...)
	}
	body = append(body, "]}"...)
	r := &logAPIReceiver{cfg: createDefaultConfig().(*Config)}
	var p fastjson.Parser
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		d := newBatchDecoder(r.cfg.Limits, time.Now(), "corr")
		if _, rerr := r.decodeBatchJSON(&p, body, d); rerr != nil {
			b.Fatal(rerr.msg)
		}
		if d.accepted != entries {
			b.Fatalf("accepted %d of %d", d.accepted, entries)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*entries), "ns/entry")
}
