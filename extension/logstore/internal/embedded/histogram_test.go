package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/logquery"
)

// TestHistogramCountsByBucketAndLevel: records spread over three minutes and
// two levels, counted per minute and level, empty minutes included, records
// outside the range and other tenants' left out.
func TestHistogramCountsByBucketAndLevel(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	add := func(n int, at time.Time, level plog.SeverityNumber, tenantName string) {
		ld := testLogs(n, "svc", at)
		if tenantName != "" {
			ld.ResourceLogs().At(0).Resource().Attributes().PutStr("paylog.tenant", tenantName)
		}
		records := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := 0; i < records.Len(); i++ {
			records.At(i).SetSeverityNumber(level)
			records.At(i).SetSeverityText("")
		}
		_, err := e.AddLogs(ld)
		require.NoError(t, err)
	}
	add(3, start.Add(10*time.Second), plog.SeverityNumberError, "")
	add(2, start.Add(20*time.Second), plog.SeverityNumberInfo, "")
	add(4, start.Add(2*time.Minute+time.Second), plog.SeverityNumberError, "")
	add(5, start.Add(-time.Minute), plog.SeverityNumberError, "")       // before the range
	add(7, start.Add(30*time.Second), plog.SeverityNumberError, "acme") // another tenant
	require.NoError(t, e.WaitDurable(context.Background()))

	h, err := e.Histogram(context.Background(), &logquery.HistogramRequest{
		Filter: logquery.MatchAll{}, Start: start, End: start.Add(4 * time.Minute), Interval: time.Minute})
	require.NoError(t, err)
	require.Len(t, h.Buckets, 4)
	assert.Equal(t, map[string]uint64{"ERROR": 3, "INFO": 2}, h.Buckets[0].Counts)
	assert.EqualValues(t, 5, h.Buckets[0].Total)
	assert.Empty(t, h.Buckets[1].Counts)
	assert.Equal(t, map[string]uint64{"ERROR": 4}, h.Buckets[2].Counts)
	assert.EqualValues(t, 9, h.TotalCount)
	assert.Equal(t, start, h.Buckets[0].Time)
	assert.EqualValues(t, 60000, h.IntervalMS)

	// A filter and a tenant apply.
	errorsOnly, err := e.Histogram(context.Background(), &logquery.HistogramRequest{
		Filter: &logquery.Term{Field: "level", Value: "ERROR"}, Start: start, End: start.Add(4 * time.Minute), Interval: 30 * time.Second, Tenant: "acme"})
	require.NoError(t, err)
	require.Len(t, errorsOnly.Buckets, 8)
	assert.EqualValues(t, 7, errorsOnly.TotalCount)
	assert.EqualValues(t, 7, errorsOnly.Buckets[1].Total)
}
