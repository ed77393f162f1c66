package embedded

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/logquery"
)

func testLogs(n int, service string, ts time.Time) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", service)
	rl.Resource().Attributes().PutStr("host.name", "web-01")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range n {
		r := lrs.AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Duration(i) * time.Millisecond)))
		r.SetSeverityNumber(plog.SeverityNumberError)
		r.SetSeverityText("ERROR")
		r.Body().SetStr(fmt.Sprintf("Database connection failed attempt %d", i))
		r.Attributes().PutStr("correlation_id", "corr-1")
		r.Attributes().PutInt("retry_count", int64(i))
		r.Attributes().PutStr("error_code", "DB_CONN_TIMEOUT")
		r.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	}
	return ld
}

func openTestEngine(t testing.TB, dir string) *Engine {
	t.Helper()
	e, err := Open(Config{Path: dir, Retention: 7 * 24 * time.Hour, FlushInterval: time.Second})
	require.NoError(t, err)
	return e
}

func TestAddSearchAndReopen(t *testing.T) {
	dir := t.TempDir()
	e := openTestEngine(t, dir)
	now := time.Now().UTC().Add(-time.Minute)
	added, err := e.AddLogs(testLogs(250, "user-service", now))
	require.NoError(t, err)
	require.Equal(t, AddResult{}, added)
	require.NoError(t, e.WaitDurable(context.Background()))
	st := e.Stats()
	assert.EqualValues(t, 1, st.DurabilityPoints, "one writer, one point")
	assert.Positive(t, st.DurabilityPointTime)
	assert.Zero(t, st.DurabilityPointErrors)

	search := func(e *Engine, expr string, limit int, after *logquery.Cursor) *logquery.Result {
		n, err := logquery.Parse(expr)
		require.NoError(t, err)
		res, err := e.Search(context.Background(), &logquery.Request{Filter: n, Limit: limit, After: after})
		require.NoError(t, err)
		return res
	}
	res := search(e, "database FAILED level:error metadata.error_code:db_conn_timeout", 10, nil)
	assert.EqualValues(t, 250, res.TotalCount)
	require.Len(t, res.Records, 10)
	first := res.Records[0]
	assert.Equal(t, "Database connection failed attempt 249", first.Message)
	assert.Equal(t, "ERROR", first.Level)
	assert.Equal(t, "web-01", first.Source)
	assert.Equal(t, "user-service", *first.Service)
	assert.Equal(t, "0102030405060708090a0b0c0d0e0f10", *first.TraceID)
	assert.Equal(t, "corr-1", *first.CorrelationID)
	assert.Equal(t, map[string]any{"retry_count": int64(249), "error_code": "DB_CONN_TIMEOUT"}, first.Metadata)
	assert.NotEmpty(t, first.ID)

	// Cursor paging walks every record exactly once.
	seen := map[string]bool{}
	var after *logquery.Cursor
	for {
		page := search(e, "attempt", 37, after)
		for _, r := range page.Records {
			assert.False(t, seen[r.ID], "record %s returned twice", r.ID)
			seen[r.ID] = true
		}
		if page.Next == nil {
			break
		}
		after = page.Next
	}
	assert.Len(t, seen, 250)

	assert.Zero(t, search(e, "service:other-service", 10, nil).TotalCount)
	assert.EqualValues(t, 1, search(e, `"attempt 17"`, 10, nil).TotalCount)
	e.Close()

	// Reopen: the durable rows are all there.
	e = openTestEngine(t, dir)
	defer e.Close()
	assert.EqualValues(t, 250, search(e, "", 1, nil).TotalCount)
}

// TestHostileSearchMatchesOnlyItsLiteral stores messages that contain query
// syntax and checks that searching for them matches only what they say.
func TestHostileSearchMatchesOnlyItsLiteral(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	messages := []string{
		"plain message one",
		"plain message two",
		`payload foo" | delete`,
		`payload foo") OR *`,
		"payload `tick` | limit 1",
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("host.name", "h")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for _, m := range messages {
		r := lrs.AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		r.Body().SetStr(m)
	}
	_, err := e.AddLogs(ld)
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))

	count := func(n logquery.Node) uint64 {
		res, err := e.Search(context.Background(), &logquery.Request{Filter: n, Limit: 10})
		require.NoError(t, err)
		return res.TotalCount
	}
	assert.EqualValues(t, 5, count(logquery.MatchAll{}))
	for _, hostile := range []string{`foo" | delete`, `foo") OR *`, "`tick` | limit 1"} {
		assert.EqualValues(t, 1, count(&logquery.Term{Value: hostile, Kind: logquery.TermPhrase}), hostile)
		assert.EqualValues(t, 0, count(&logquery.Term{Field: logquery.FieldService, Value: hostile}), hostile)
	}
	assert.EqualValues(t, 0, count(&logquery.Term{Value: `nothing" OR "plain`, Kind: logquery.TermPhrase}))
}

// TestReopenRemovesLeftoverSnapshots: a crash between creating and deleting
// a durability snapshot leaves it behind; reopening removes it.
func TestReopenRemovesLeftoverSnapshots(t *testing.T) {
	dir := t.TempDir()
	e := openTestEngine(t, dir)
	_, err := e.AddLogs(testLogs(10, "svc", time.Now()))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	require.NotEmpty(t, e.storage.PartitionSnapshotMustCreate(""))
	require.NotEmpty(t, e.storage.PartitionSnapshotList())
	e.Close()

	e = openTestEngine(t, dir)
	defer e.Close()
	assert.Empty(t, e.storage.PartitionSnapshotList())
}

func TestReadOnlyWhenDiskIsNearlyFull(t *testing.T) {
	e, err := Open(Config{Path: t.TempDir(), Retention: 48 * time.Hour, FlushInterval: time.Second, MinFreeDiskBytes: 1 << 62})
	require.NoError(t, err)
	defer e.Close()
	_, err = e.AddLogs(testLogs(1, "svc", time.Now()))
	require.ErrorIs(t, err, ErrReadOnly)
	assert.True(t, e.Stats().ReadOnly)
}

func TestNonFiniteMetadataKeepsItsJSONCopy(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	ld := testLogs(1, "svc", time.Now())
	attrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	attrs.PutDouble("ratio", math.Inf(1))
	attrs.PutEmptySlice("list").AppendEmpty().SetDouble(math.NaN())
	_, err := e.AddLogs(ld)
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	res, err := e.Search(context.Background(), &logquery.Request{Filter: logquery.MatchAll{}, Limit: 1})
	require.NoError(t, err)
	require.Len(t, res.Records, 1)
	assert.Equal(t, "+Inf", res.Records[0].Metadata["ratio"])
	assert.Equal(t, []any{"NaN"}, res.Records[0].Metadata["list"])
}

func TestRecordsOutsideRetentionAreCounted(t *testing.T) {
	e := openTestEngine(t, t.TempDir()) // 7 days of retention
	defer e.Close()
	old := testLogs(3, "svc", time.Now().Add(-8*24*time.Hour))
	future := testLogs(2, "svc", time.Now().Add(5*24*time.Hour))
	res, err := e.AddLogs(old)
	require.NoError(t, err)
	assert.Equal(t, AddResult{OutOfWindow: 3}, res)
	res, err = e.AddLogs(future)
	require.NoError(t, err)
	assert.Equal(t, AddResult{OutOfWindow: 2}, res)
	res, err = e.AddLogs(testLogs(1, "svc", time.Now().Add(-6*24*time.Hour)))
	require.NoError(t, err)
	assert.Equal(t, AddResult{}, res)
}

func TestPatternsAggregation(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now().UTC().Add(-time.Minute)
	add := func(service, id, template, msg string, level plog.SeverityNumber, ts time.Time) {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", service)
		rl.Resource().Attributes().PutStr("host.name", "h")
		r := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		r.SetSeverityNumber(level)
		r.Body().SetStr(msg)
		r.Attributes().PutStr(AttrPatternID, id)
		r.Attributes().PutStr(AttrPatternTemplate, template)
		_, err := e.AddLogs(ld)
		require.NoError(t, err)
	}
	add("api", "p1", "Payment <*> declined", "Payment 1 declined", plog.SeverityNumberError, now.Add(-3*time.Second))
	add("billing", "p1", "Payment <*> declined", "Payment 2 declined", plog.SeverityNumberError, now.Add(-2*time.Second))
	add("api", "p1", "Payment <*> declined: <*>", "Payment 3 declined: no funds", plog.SeverityNumberError, now)
	add("api", "p2", "Disk full on <*>", "Disk full on /data", plog.SeverityNumberFatal, now)
	add("api", "p3", "User <*> logged in", "User 9 logged in", plog.SeverityNumberInfo, now)
	require.NoError(t, e.WaitDurable(context.Background()))

	errors := logquery.OrOf(&logquery.Term{Field: "level", Value: "ERROR"}, &logquery.Term{Field: "level", Value: "CRITICAL"})
	got, err := e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: errors, Start: now.Add(-time.Hour), Limit: 10})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "p1", got[0].PatternID)
	assert.EqualValues(t, 3, got[0].Count)
	assert.Equal(t, "Payment <*> declined: <*>", got[0].Pattern, "the newest template text")
	assert.Equal(t, "Payment 3 declined: no funds", got[0].Sample)
	assert.Equal(t, []string{"api", "billing"}, got[0].Services)
	assert.True(t, got[0].FirstSeen.Equal(now.Add(-3*time.Second).Truncate(time.Nanosecond)), "%s", got[0].FirstSeen)
	assert.True(t, got[0].LastSeen.Equal(now), "%s", got[0].LastSeen)
	assert.Equal(t, "p2", got[1].PatternID)

	got, err = e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Limit: 1})
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

// TestTenantsNeverSeeEachOther: records of two tenants and of no tenant, each
// searched, counted and aggregated by its own tenant only.
func TestTenantsNeverSeeEachOther(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now().UTC().Add(-time.Minute)
	for name, n := range map[string]int{"acme": 3, "globex": 5, "": 7} {
		ld := testLogs(n, "svc-"+name, now)
		attrs := ld.ResourceLogs().At(0).Resource().Attributes()
		if name != "" {
			attrs.PutStr("paylog.tenant", name)
		}
		records := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := 0; i < records.Len(); i++ {
			records.At(i).Attributes().PutStr(AttrPatternID, "p-"+name)
		}
		_, err := e.AddLogs(ld)
		require.NoError(t, err)
	}
	require.NoError(t, e.WaitDurable(context.Background()))
	for name, n := range map[string]uint64{"acme": 3, "globex": 5, "": 7} {
		res, err := e.Search(context.Background(), &logquery.Request{Filter: logquery.MatchAll{}, Limit: 100, Tenant: name})
		require.NoError(t, err)
		assert.Equal(t, n, res.TotalCount, "tenant %q", name)
		for _, r := range res.Records {
			assert.Equal(t, "svc-"+name, *r.Service, "tenant %q sees another's record", name)
			assert.NotContains(t, r.Metadata, "paylog.tenant")
		}
		patterns, err := e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Start: now.Add(-time.Hour), Limit: 10, Tenant: name})
		require.NoError(t, err)
		require.Len(t, patterns, 1, "tenant %q", name)
		assert.Equal(t, "p-"+name, patterns[0].PatternID)
		assert.Equal(t, n, patterns[0].Count)
	}
	res, err := e.Search(context.Background(), &logquery.Request{Filter: logquery.MatchAll{}, Limit: 1, Tenant: "initech"})
	require.NoError(t, err)
	assert.Zero(t, res.TotalCount, "a tenant without records sees none")
}

// TestPatternsTimesExactOverLongRanges: over a month the counting query
// buckets by several hours; first and last seen are still the records' own
// times, and the services all of the pattern's.
func TestPatternsTimesExactOverLongRanges(t *testing.T) {
	e, err := Open(Config{Path: t.TempDir(), Retention: 720 * time.Hour, FlushInterval: time.Second})
	require.NoError(t, err)
	defer e.Close()
	now := time.Now().UTC()
	times := []time.Time{now.Add(-20*24*time.Hour + 17*time.Minute + 123*time.Millisecond), now.Add(-10 * 24 * time.Hour), now.Add(-time.Minute - 7*time.Millisecond)}
	for i, at := range times {
		ld := testLogs(1, fmt.Sprintf("svc-%d", i), at)
		ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().PutStr(AttrPatternID, "p-long")
		_, err := e.AddLogs(ld)
		require.NoError(t, err)
	}
	require.NoError(t, e.WaitDurable(context.Background()))
	got, err := e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Start: now.Add(-30 * 24 * time.Hour), Limit: 5})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.EqualValues(t, 3, got[0].Count)
	assert.Equal(t, times[0].Truncate(time.Millisecond), got[0].FirstSeen.Truncate(time.Millisecond))
	assert.Equal(t, times[2].Truncate(time.Millisecond), got[0].LastSeen.Truncate(time.Millisecond))
	assert.Equal(t, []string{"svc-0", "svc-1", "svc-2"}, got[0].Services)
	assert.Equal(t, "Database connection failed attempt 0", got[0].Sample)
}

func TestCountStopsAtItsLimit(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now().Add(-time.Hour)
	// Several writes, so the matches lie in several parts.
	for i := range 5 {
		_, err := e.AddLogs(testLogs(500, "payments", now.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
	}
	_, err := e.AddLogs(testLogs(300, "checkout", now))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))

	payments := &logquery.Term{Field: logquery.FieldService, Value: "payments"}
	for _, tc := range []struct {
		filter    logquery.Node
		limit     uint64
		total     uint64
		exact     bool
		describes string
	}{
		{logquery.MatchAll{}, 0, 2800, true, "no limit counts all"},
		{logquery.MatchAll{}, 1000, 1000, false, "more matches than the limit"},
		{payments, 2499, 2499, false, "one match more than the limit"},
		{payments, 2500, 2500, true, "exactly the limit"},
		{&logquery.Term{Field: logquery.FieldService, Value: "checkout"}, 1000, 300, true, "fewer than the limit"},
		{&logquery.Term{Field: logquery.FieldService, Value: "nobody"}, 1000, 0, true, "none"},
	} {
		res, err := e.Search(context.Background(), &logquery.Request{Filter: tc.filter, Limit: 10, CountLimit: tc.limit})
		require.NoError(t, err, tc.describes)
		assert.Equal(t, tc.total, res.TotalCount, tc.describes)
		assert.Equal(t, tc.exact, res.TotalExact, tc.describes)
		assert.Len(t, res.Records, min(10, int(tc.total)), tc.describes)
	}
}

// Record ids are unique, among records of one batch and of several with one
// timestamp too, and the same on every read.
func TestRecordIDsAreUniqueAndStable(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	at := time.Now().Add(-time.Minute)
	for range 2 {
		ld := testLogs(8, "svc", at)
		lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := range 5 {
			lrs.At(i).SetTimestamp(pcommon.NewTimestampFromTime(at)) // five at one instant
		}
		_, err := e.AddLogs(ld)
		require.NoError(t, err)
	}
	require.NoError(t, e.WaitDurable(context.Background()))
	ids := func() []string {
		res, err := e.Search(context.Background(), &logquery.Request{Filter: logquery.MatchAll{}, Limit: 100})
		require.NoError(t, err)
		var ids []string
		for _, r := range res.Records {
			ids = append(ids, r.ID)
		}
		return ids
	}
	first := ids()
	require.Len(t, first, 16)
	distinct := map[string]bool{}
	for _, id := range first {
		distinct[id] = true
	}
	assert.Len(t, distinct, 16, "ids: %v", first)
	assert.ElementsMatch(t, first, ids())
}

// A batch bigger than one LogRows holds goes to the storage in several
// pieces; every record of it must arrive, once.
func TestLargeBatchArrivesWhole(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	const n = 30_000
	ld := testLogs(n, "payments", time.Now().Add(-time.Hour).Truncate(time.Minute))
	// ~2 KB messages: the batch fills LogRows (flushed at ~1.75 MB) dozens of times.
	padding := strings.Repeat("x", 2000)
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		lrs.At(i).Body().SetStr(fmt.Sprintf("Payment %d declined %s", i, padding))
	}
	_, err := e.AddLogs(ld)
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))

	res, err := e.Search(context.Background(), &logquery.Request{Filter: logquery.MatchAll{}, Limit: 1})
	require.NoError(t, err)
	assert.EqualValues(t, n, res.TotalCount)
	assert.True(t, res.TotalExact)
	assert.EqualValues(t, n, e.Stats().Rows)
	one, err := logquery.Parse(`"Payment 29999 declined"`)
	require.NoError(t, err)
	res, err = e.Search(context.Background(), &logquery.Request{Filter: one, Limit: 1})
	require.NoError(t, err)
	assert.EqualValues(t, 1, res.TotalCount)
}
