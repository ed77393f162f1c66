package embedded

import (
	"context"
	"encoding/hex"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/logquery"
)

// TestMeaningTable runs the search expressions every backend must agree on
// (logquery.MeaningCases) against the embedded store, for real; the
// Elasticsearch side is the golden DSL in internal/logquery/testdata/esdsl.
func TestMeaningTable(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	ld := plog.NewLogs()
	ts := time.Now().Add(-time.Minute)
	for i, rec := range logquery.MeaningRecords {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", rec.Service)
		rl.Resource().Attributes().PutStr("host.name", rec.Source)
		r := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Duration(i) * time.Millisecond)))
		r.SetSeverityText(rec.Level)
		r.SetSeverityNumber(plog.SeverityNumber(logquery.SeverityNumber(rec.Level)))
		r.Body().SetStr(rec.Message)
		if rec.TraceID != "" {
			var id pcommon.TraceID
			_, err := hex.Decode(id[:], []byte(rec.TraceID))
			require.NoError(t, err)
			r.SetTraceID(id)
		}
		attrs := r.Attributes()
		require.NoError(t, attrs.FromRaw(rec.Metadata))
		attrs.PutStr("name", rec.Name)
		if rec.CorrelationID != "" {
			attrs.PutStr(AttrCorrelationID, rec.CorrelationID)
		}
		if rec.PatternID != "" {
			attrs.PutStr(AttrPatternID, rec.PatternID)
		}
	}
	_, err := e.AddLogs(ld)
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))

	for _, tc := range logquery.MeaningCases {
		t.Run(tc.Name, func(t *testing.T) {
			filter, err := logquery.Parse(tc.Expression)
			require.NoError(t, err)
			res, err := e.Search(context.Background(), &logquery.Request{Filter: filter, Limit: 100})
			require.NoError(t, err)
			var got []string
			for _, r := range res.Records {
				got = append(got, r.Metadata["name"].(string))
			}
			sort.Strings(got)
			assert.Equal(t, tc.Matches, got, "%s", tc.Expression)
		})
	}
}
