package logapi

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The seed corpora below run in every `go test`; `go test -fuzz` explores
// from them (see README, Fuzzing).

var fuzzNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

var logEntrySeeds = []string{
	`{"level":"ERROR","message":"Database connection failed","source":"db-1","service":"user-service"}`,
	`{"timestamp":"2026-11-28T11:00:00.123456Z","level":"warn","message":"disk slow","source":"db-1","service":"storage",` +
		`"trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"b7ad6b7169203331",` +
		`"metadata":{"disk":"sda","latency_ms":12.5,"count":3,"ok":false,"tags":["a","b"],"nested":{"k":"v"},"none":null}}`,
	`{"timestamp":"2026-11-28 11:00:00","level":"fatal","message":"x","source":"s"}`,
	`{"timestamp":1732791600,"level":"INFO","message":"numeric time","source":"s"}`,
	`{"level":"INFO","message":"","source":"s"}`,
	`{"level":"NOPE","message":"m","source":"s","trace_id":"xyz","span_id":"00"}`,
	`{"level":"INFO","message":"m","source":"s","metadata":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}}`,
	`{"level":"INFO","message":"m","source":"s","metadata":[1,2]}`,
	`{"level":"INFO","message":"\u0000\ud800 ünïcödé 🙂","source":"s","service":null}`,
	`{"level":"INFO","message":"m","source":"s","metadata":{"correlation_id":"mine","":1}}`,
	`[]`, `"text"`, `{`, `{"level":1e999}`, ``,
}

// FuzzDecodeLogEntry feeds POST /logs/ingest bodies to the LogEntry decoder.
// Whatever the input: a bad body is a 400 naming "body"; otherwise the entry
// is accepted or rejected, never both; every error names its field and says
// so first; an accepted entry is a well-formed record that survives the
// persistent queue's protobuf encoding unchanged.
func FuzzDecodeLogEntry(f *testing.F) {
	for _, s := range logEntrySeeds {
		f.Add([]byte(s))
	}
	limits := createDefaultConfig().(*Config).Limits
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newBatchDecoder(limits, fuzzNow, "corr-fuzz")
		var p fastjson.Parser
		if rerr := decodeSingleJSON(&p, body, d); rerr != nil {
			if rerr.status != http.StatusBadRequest || rerr.field != "body" || rerr.msg == "" {
				t.Fatalf("body error %+v", rerr)
			}
			return
		}
		if d.accepted+d.rejected != 1 {
			t.Fatalf("accepted %d + rejected %d, want 1 entry", d.accepted, d.rejected)
		}
		checkEntryErrors(t, d, 1)
		checkRecords(t, d, limits)
	})
}

// FuzzDecodeNDJSON feeds NDJSON batch bodies to the batch decoder: every
// non-blank line is one entry, accepted or rejected with its index.
func FuzzDecodeNDJSON(f *testing.F) {
	f.Add([]byte(strings.Join(logEntrySeeds, "\n")))
	f.Add([]byte("\n\n  \r\n"))
	f.Add([]byte(logEntrySeeds[0] + "\r\n" + logEntrySeeds[1] + "\n\n{\"level\":"))
	f.Add([]byte(logEntrySeeds[0] + logEntrySeeds[0]))
	cfg := createDefaultConfig().(*Config)
	cfg.Limits.MaxBatchSize = 50
	r := &logAPIReceiver{cfg: cfg}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newBatchDecoder(cfg.Limits, fuzzNow, "corr-fuzz")
		var p fastjson.Parser
		lines := countLines(body)
		if rerr := r.decodeNDJSON(&p, body, d); rerr != nil {
			switch {
			case lines == 0 && rerr.status == http.StatusBadRequest && rerr.field == "logs":
			case lines > cfg.Limits.MaxBatchSize && rerr.status == http.StatusRequestEntityTooLarge:
			default:
				t.Fatalf("%d lines: batch error %+v", lines, rerr)
			}
			return
		}
		if d.accepted+d.rejected != lines {
			t.Fatalf("accepted %d + rejected %d, want %d lines", d.accepted, d.rejected, lines)
		}
		checkEntryErrors(t, d, lines)
		checkRecords(t, d, cfg.Limits)
	})
}

// checkEntryErrors: indexes in range and in order, a field named, and the
// message starting with it (or, for an unparsable line, saying which line).
func checkEntryErrors(t *testing.T, d *batchDecoder, entries int) {
	t.Helper()
	last := -1
	for _, e := range d.errors {
		if e.Index < last || e.Index >= entries {
			t.Fatalf("error index %d out of order or range (%d entries)", e.Index, entries)
		}
		last = e.Index
		if e.Field == "" || !utf8.ValidString(e.Message) {
			t.Fatalf("error without a field or with invalid UTF-8: %+v", e)
		}
		if !strings.HasPrefix(e.Message, e.Field+": ") && !strings.HasPrefix(e.Message, "line ") {
			t.Fatalf("error message does not name its field first: %+v", e)
		}
	}
	if !d.truncated && d.rejected > 0 && len(d.errors) < d.rejected {
		t.Fatalf("%d entries rejected, %d errors reported", d.rejected, len(d.errors))
	}
}

// checkRecords: one record per accepted entry, each with a level, a
// non-empty message within its limit, a source and the request's correlation
// id, identical after a protobuf round trip.
func checkRecords(t *testing.T, d *batchDecoder, limits LimitsConfig) {
	t.Helper()
	if n := d.logs.LogRecordCount(); n != d.accepted {
		t.Fatalf("%d records for %d accepted entries", n, d.accepted)
	}
	levels := map[string]plog.SeverityNumber{"DEBUG": 5, "INFO": 9, "WARNING": 13, "ERROR": 17, "CRITICAL": 21}
	rls := d.logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		if host, ok := rls.At(i).Resource().Attributes().Get("host.name"); !ok || host.Str() == "" {
			t.Fatalf("resource without a source")
		}
		records := rls.At(i).ScopeLogs().At(0).LogRecords()
		for k := 0; k < records.Len(); k++ {
			rec := records.At(k)
			if want, ok := levels[rec.SeverityText()]; !ok || rec.SeverityNumber() != want {
				t.Fatalf("level %q / %d", rec.SeverityText(), rec.SeverityNumber())
			}
			msg := rec.Body().Str()
			if msg == "" || len(msg) > limits.MaxMessageBytes {
				t.Fatalf("message of %d bytes accepted", len(msg))
			}
			if rec.Timestamp() == 0 {
				t.Fatalf("record without a timestamp")
			}
			if c, ok := rec.Attributes().Get(attrCorrelationID); !ok || c.Str() != "corr-fuzz" {
				t.Fatalf("record without the request's correlation id")
			}
		}
	}
	var m plog.ProtoMarshaler
	raw, err := m.MarshalLogs(d.logs)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var u plog.ProtoUnmarshaler
	back, err := u.UnmarshalLogs(raw)
	if err != nil {
		t.Fatalf("the queue could not read back what it wrote: %v", err)
	}
	again, _ := m.MarshalLogs(back)
	if !bytes.Equal(raw, again) {
		t.Fatalf("records change through the queue's encoding")
	}
}
