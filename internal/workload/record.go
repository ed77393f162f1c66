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
