package workload

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// PutRecord writes the entry into r as the benchmarks that start after the
// receiver want it: its time, level and message, and its metadata as
// attributes (no trace ids).
func (e Entry) PutRecord(r plog.LogRecord) error {
	ts, err := time.Parse(time.RFC3339Nano, e.Timestamp)
	if err != nil {
		return err
	}
	r.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	r.SetSeverityText(e.Level)
	r.Body().SetStr(e.Message)
	return r.Attributes().FromRaw(e.Metadata)
}

// Request makes entries first..first+size-1 of an n-entry workload into one
// request's logs, grouped as the logapi receiver groups them: a resource per
// service and host. each, when not nil, is called with every entry and its
// record after PutRecord, in the entries' order.
func (g *Generator) Request(first, n, size int, each func(Entry, plog.LogRecord)) (plog.Logs, error) {
	ld := plog.NewLogs()
	byStream := map[[2]string]plog.LogRecordSlice{}
	for i := first; i < first+size; i++ {
		entry := g.Entry(i, n)
		key := [2]string{entry.Service, entry.Source}
		lrs, ok := byStream[key]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", entry.Service)
			rl.Resource().Attributes().PutStr("host.name", entry.Source)
			lrs = rl.ScopeLogs().AppendEmpty().LogRecords()
			byStream[key] = lrs
		}
		r := lrs.AppendEmpty()
		if err := entry.PutRecord(r); err != nil {
			return plog.Logs{}, err
		}
		if each != nil {
			each(entry, r)
		}
	}
	return ld, nil
}
