package embedded

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/logquery"
)

// patternLogs returns n records of pattern id at ts; the first carries
// template, as the patterns processor sends it with template_attribute:
// on_change (every record carries it with every_record).
func patternLogs(n int, id, template string, everyRecord bool, ts time.Time) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "api")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range n {
		r := lrs.AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Duration(i) * time.Millisecond)))
		r.Body().SetStr(fmt.Sprintf("message %d of %s", i, id))
		r.Attributes().PutStr(AttrPatternID, id)
		if i == 0 || everyRecord {
			r.Attributes().PutStr(AttrPatternTemplate, template)
		}
	}
	return ld
}

func searchPatterns(t *testing.T, e *Engine) map[string]string {
	t.Helper()
	res, err := e.Search(context.Background(), &logquery.Request{Filter: logquery.MatchAll{}, Limit: 1000})
	require.NoError(t, err)
	got := map[string]string{}
	for _, r := range res.Records {
		require.NotNil(t, r.PatternID)
		require.NotNil(t, r.Pattern, "record %s of pattern %s has no template", r.ID, *r.PatternID)
		if prev, ok := got[*r.PatternID]; ok {
			require.Equal(t, prev, *r.Pattern, "records of one pattern show one template")
		}
		got[*r.PatternID] = *r.Pattern
	}
	return got
}

func catalogRows(t *testing.T, e *Engine) int {
	t.Helper()
	var rows atomic.Int64 // blocks arrive from several goroutines
	err := e.run(context.Background(), catalogTenant, "*", math.MinInt64, math.MaxInt64, func(db *logstorage.DataBlock) {
		rows.Add(int64(db.RowsCount()))
	})
	require.NoError(t, err)
	return int(rows.Load())
}

func TestTemplatesComeFromTheCatalog(t *testing.T) {
	dir := t.TempDir()
	e := openTestEngine(t, dir)
	now := time.Now().UTC().Add(-time.Minute)
	for _, everyRecord := range []bool{true, false} {
		_, err := e.AddLogs(patternLogs(50, "p1", "Payment <*> declined", everyRecord, now))
		require.NoError(t, err)
	}
	_, err := e.AddLogs(patternLogs(10, "p2", "Disk full on <*>", false, now))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))

	assert.Equal(t, map[string]string{"p1": "Payment <*> declined", "p2": "Disk full on <*>"}, searchPatterns(t, e))
	assert.Equal(t, 2, catalogRows(t, e), "one catalog row per pattern and day, however many records carry the template")
	res, err := e.Search(context.Background(), &logquery.Request{Filter: logquery.MatchAll{}, Limit: 1})
	require.NoError(t, err)
	assert.EqualValues(t, 110, res.TotalCount, "catalog rows are not logs")

	// The template generalises: every record of the pattern, old ones
	// included, shows the newest, here and in the patterns aggregation.
	_, err = e.AddLogs(patternLogs(1, "p1", "Payment <*> declined: <*>", false, now.Add(time.Second)))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	want := map[string]string{"p1": "Payment <*> declined: <*>", "p2": "Disk full on <*>"}
	assert.Equal(t, want, searchPatterns(t, e))
	summaries, err := e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Limit: 10})
	require.NoError(t, err)
	require.Len(t, summaries, 2)
	assert.Equal(t, "Payment <*> declined: <*>", summaries[0].Pattern)

	// After a restart the catalog is read back from the store.
	e.Close()
	e = openTestEngine(t, dir)
	defer e.Close()
	assert.Equal(t, want, searchPatterns(t, e))
}

func TestCatalogKeepsATemplateInEveryDayItIsUsed(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	today := time.Now().UTC().Truncate(24 * time.Hour).Add(time.Hour)
	for _, ts := range []time.Time{today.Add(-48 * time.Hour), today.Add(-24 * time.Hour), today, today.Add(time.Second)} {
		_, err := e.AddLogs(patternLogs(5, "p1", "User <*> logged in", true, ts))
		require.NoError(t, err)
	}
	require.NoError(t, e.WaitDurable(context.Background()))
	// Retention removes whole days; each day keeps its own copy.
	assert.Equal(t, 3, catalogRows(t, e))
}

func TestStatsCountLogsNotCatalogRows(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	_, err := e.AddLogs(patternLogs(7, "p1", "User <*> logged in", true, time.Now().Add(-time.Minute)))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	require.Equal(t, 1, catalogRows(t, e))
	assert.EqualValues(t, 7, e.Stats().Rows)
}

// Past its limit the catalog forgets templates; searches and pattern
// summaries then read them from the store, the newest of each pattern, and
// so does a restart past the limit.
func TestCatalogPastItsLimitReadsTemplatesFromTheStore(t *testing.T) {
	dir := t.TempDir()
	e := openTestEngine(t, dir)
	e.catalog.limit = 2
	now := time.Now().UTC().Add(-time.Minute)
	want := map[string]string{}
	for i, id := range []string{"pa", "pb", "pc", "pd", "pe"} {
		want[id] = "template of " + id
		_, err := e.AddLogs(patternLogs(3, id, want[id], false, now.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
	}
	// A newer template of a forgotten pattern is the one read back.
	_, err := e.AddLogs(patternLogs(1, "pa", "template of pa <*>", false, now.Add(10*time.Second)))
	require.NoError(t, err)
	want["pa"] = "template of pa <*>"
	require.NoError(t, e.WaitDurable(context.Background()))
	check := func(e *Engine) {
		t.Helper()
		assert.LessOrEqual(t, len(e.catalog.newest), 2)
		assert.LessOrEqual(t, len(e.catalog.written), 2)
		assert.Equal(t, want, searchPatterns(t, e))
		summaries, err := e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Start: now.Add(-time.Hour), Limit: 10})
		require.NoError(t, err)
		require.Len(t, summaries, 5)
		for _, s := range summaries {
			assert.Equal(t, want[s.PatternID], s.Pattern, s.PatternID)
		}
	}
	check(e)
	e.Close()

	e = openTestEngine(t, dir)
	defer e.Close()
	e.catalog.limit = 2
	e.catalog.mu.Lock()
	clear(e.catalog.newest) // as if it had started with the limit
	e.catalog.mu.Unlock()
	check(e)
}

// Records can come with a pattern id and no template (a sender other than
// the patterns processor). Results leave their template out without asking
// the store again on every page, until a template is written for the id.
func TestTemplatesTheStoreLacksAreNotAskedForAgain(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now().UTC().Add(-time.Minute)
	ld := patternLogs(3, "pforeign", "", false, now)
	rs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	rs.At(0).Attributes().Remove(AttrPatternTemplate)
	_, err := e.AddLogs(ld)
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))

	search := func() []logquery.Record {
		t.Helper()
		res, err := e.Search(context.Background(), &logquery.Request{Filter: logquery.MatchAll{}, Limit: 100})
		require.NoError(t, err)
		return res.Records
	}
	for _, r := range search() {
		require.NotNil(t, r.PatternID)
		assert.Nil(t, r.Pattern)
	}
	reads := e.catalog.storeReads.Load()
	search()
	summaries, err := e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Start: now.Add(-time.Hour), Limit: 10})
	require.NoError(t, err)
	require.Len(t, summaries, 1)
	assert.Empty(t, summaries[0].Pattern)
	assert.Equal(t, reads, e.catalog.storeReads.Load(), "the store was asked again for a template it lacks")

	_, err = e.AddLogs(patternLogs(1, "pforeign", "foreign <*>", false, now.Add(time.Second)))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	check := func() {
		t.Helper()
		for _, r := range search() {
			require.NotNil(t, r.Pattern, "record %s", r.ID)
			assert.Equal(t, "foreign <*>", *r.Pattern)
		}
	}
	check()
	// Read from the store once the catalog forgets it (past its limit).
	e.catalog.mu.Lock()
	clear(e.catalog.newest)
	e.catalog.mu.Unlock()
	check()
}
