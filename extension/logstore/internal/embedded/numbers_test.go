package embedded

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/logquery"
)

// storedPatternValues returns the pattern_id values as the engine holds
// them in the records' tenant.
func storedPatternValues(t *testing.T, e *Engine) []string {
	t.Helper()
	var (
		mu     sync.Mutex
		values []string
	)
	err := e.run(context.Background(), defaultTenant, "* | fields pattern_id", math.MinInt64, math.MaxInt64, func(db *logstorage.DataBlock) {
		cols := columnsByName(db)
		mu.Lock()
		defer mu.Unlock()
		for _, v := range cols[fieldPatternID] {
			// The block's values are views valid during the call only.
			values = append(values, strings.Clone(v))
		}
	})
	require.NoError(t, err)
	sort.Strings(values)
	return values
}

// patternColumnTypes returns the engine's encodings of the pattern_id column
// over the records' blocks (block_stats: string, dict, uint8, ...).
func patternColumnTypes(t *testing.T, e *Engine) map[string]bool {
	t.Helper()
	var (
		mu    sync.Mutex
		types = map[string]bool{}
	)
	err := e.run(context.Background(), defaultTenant, "* | block_stats", math.MinInt64, math.MaxInt64, func(db *logstorage.DataBlock) {
		cols := columnsByName(db)
		mu.Lock()
		defer mu.Unlock()
		for i, field := range cols["field"] {
			if field == fieldPatternID {
				types[cols["type"][i]] = true
			}
		}
	})
	require.NoError(t, err)
	return types
}

// distinctPatternValues returns the distinct pattern_id values the engine
// holds in the records' tenant.
func distinctPatternValues(t *testing.T, e *Engine) map[string]bool {
	t.Helper()
	distinct := map[string]bool{}
	for _, v := range storedPatternValues(t, e) {
		distinct[v] = true
	}
	return distinct
}

// assertPatternCounts checks that /logs/patterns since start lists the
// patterns of counts, each with its count and "template of <id>".
func assertPatternCounts(t *testing.T, e *Engine, start time.Time, counts map[string]int) {
	t.Helper()
	got, err := e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Start: start, Limit: 10})
	require.NoError(t, err)
	require.Len(t, got, len(counts))
	for _, p := range got {
		assert.EqualValues(t, counts[p.PatternID], p.Count, p.PatternID)
		assert.Equal(t, "template of "+p.PatternID, p.Pattern)
	}
}

func searchIDs(t *testing.T, e *Engine, expr string) map[string]int {
	t.Helper()
	n, err := logquery.Parse(expr)
	require.NoError(t, err)
	res, err := e.Search(context.Background(), &logquery.Request{Filter: n, Limit: 1000})
	require.NoError(t, err)
	ids := map[string]int{}
	for _, r := range res.Records {
		require.NotNil(t, r.PatternID)
		ids[*r.PatternID]++
	}
	require.EqualValues(t, len(res.Records), res.TotalCount)
	return ids
}

func TestPatternIDsAreStoredAsNumbers(t *testing.T) {
	dir := t.TempDir()
	e := openTestEngine(t, dir)
	now := time.Now().UTC().Add(-time.Minute)
	for i, id := range []string{"p1k2ehy341qlmd", "p1k9zzzz", "pq7", "12345"} {
		_, err := e.AddLogs(patternLogs(10*(i+1), id, "template of "+id, false, now.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
	}
	require.NoError(t, e.WaitDurable(context.Background()))

	stored := storedPatternValues(t, e)
	require.Len(t, stored, 100)
	for _, v := range stored {
		_, ok := parseNumber(v)
		require.True(t, ok, "stored pattern_id %q is not a number", v)
	}
	types := patternColumnTypes(t, e)
	assert.NotContains(t, types, "string", "the engine keeps small numbers as numbers: %v", types)

	all := map[string]int{"p1k2ehy341qlmd": 10, "p1k9zzzz": 20, "pq7": 30, "12345": 40}
	assert.Equal(t, all, searchIDs(t, e, ""))
	assert.Equal(t, map[string]int{"pq7": 30}, searchIDs(t, e, "pattern_id:pq7"))
	assert.Equal(t, map[string]int{"12345": 40}, searchIDs(t, e, "pattern_id:12345"), "an id of digits is found by its number")
	assert.Equal(t, map[string]int{"p1k2ehy341qlmd": 10, "p1k9zzzz": 20}, searchIDs(t, e, "pattern_id:p1k*"))
	assert.Equal(t, map[string]int{"pq7": 30, "12345": 40}, searchIDs(t, e, "-pattern_id:p1k*"))
	assert.Empty(t, searchIDs(t, e, "pattern_id:1"), "digits that are no id match nothing, not the records stored as 1")
	assert.Empty(t, searchIDs(t, e, "pattern_id:9*"), "nor does a prefix of digits no id starts with")
	assert.Equal(t, map[string]int{"12345": 40}, searchIDs(t, e, "pattern_id:123*"))
	assert.Empty(t, searchIDs(t, e, "pattern_id:pnone"))

	assertPatternCounts(t, e, now.Add(-time.Hour), all)
	e.Close()

	// After a restart the numbers read back, and the ids keep them.
	e = openTestEngine(t, dir)
	defer e.Close()
	assert.Equal(t, all, searchIDs(t, e, ""))
	_, err := e.AddLogs(patternLogs(5, "pq7", "template of pq7", false, now.Add(10*time.Second)))
	require.NoError(t, err)
	_, err = e.AddLogs(patternLogs(6, "pnew", "template of pnew", false, now.Add(11*time.Second)))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	assert.Equal(t, map[string]int{"pq7": 35}, searchIDs(t, e, "pattern_id:pq7"))
	assert.Equal(t, map[string]int{"pnew": 6}, searchIDs(t, e, "pattern_id:pnew"), "a new id gets a number of its own")
	distinct := distinctPatternValues(t, e)
	assert.Len(t, distinct, 5, "one number per id: %v", distinct)
}

// A batch of many patterns, their records interleaved: each record keeps
// its own pattern's number however the batch's patterns share the slots
// that spare most rows a look-up of their id.
func TestManyPatternsInOneBatchKeepTheirOwnNumbers(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now().UTC().Add(-time.Minute)
	const patterns, rounds = 150, 3
	batch := plog.NewLogs()
	want := map[string]int{}
	for round := range rounds {
		for i := range patterns {
			id := fmt.Sprintf("p%03d", i)
			ld := patternLogs(1, id, "template of "+id, false, now.Add(time.Duration(round*patterns+i)*time.Millisecond))
			ld.ResourceLogs().MoveAndAppendTo(batch.ResourceLogs())
			want[id]++
		}
	}
	_, err := e.AddLogs(batch)
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	assert.Equal(t, want, searchIDs(t, e, ""))
	assert.Equal(t, map[string]int{"p007": rounds}, searchIDs(t, e, "pattern_id:p007"))
	assert.Len(t, distinctPatternValues(t, e), patterns, "one number per id")
}

// Past the limit of numbers a new id is stored as it is; searches, pattern
// counts and their rollups find it as they find numbered ids, before and
// after a restart.
func TestIDsPastTheNumbersLimitAreStoredAsTheyAre(t *testing.T) {
	dir := t.TempDir()
	e := openTestEngine(t, dir)
	e.numbers.limit = 2
	now := time.Now().UTC().Add(-time.Minute)
	all := map[string]int{"pa": 1, "pb": 2, "pc": 3, "pd": 4}
	for i, id := range []string{"pa", "pb", "pc", "pd"} {
		_, err := e.AddLogs(patternLogs(all[id], id, "template of "+id, false, now.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
	}
	_, err := e.AddLogs(patternLogs(5, "pc", "template of pc", false, now.Add(5*time.Second)))
	require.NoError(t, err)
	all["pc"] += 5
	require.NoError(t, e.WaitDurable(context.Background()))

	assert.Equal(t, map[string]bool{"1": true, "2": true, "pc": true, "pd": true}, distinctPatternValues(t, e))
	check := func(e *Engine) {
		t.Helper()
		assert.Equal(t, all, searchIDs(t, e, ""))
		assert.Equal(t, map[string]int{"pc": 8}, searchIDs(t, e, "pattern_id:pc"))
		assert.Equal(t, map[string]int{"pa": 1, "pd": 4}, searchIDs(t, e, "pattern_id:pa OR pattern_id:pd"))
		assertPatternCounts(t, e, now.Add(-time.Hour), all)
	}
	check(e)
	e.Close()

	e = openTestEngine(t, dir)
	defer e.Close()
	check(e)
	_, err = e.AddLogs(patternLogs(6, "pe", "template of pe", false, now.Add(11*time.Second)))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	assert.Contains(t, storedPatternValues(t, e), "3", "with room again, a new id gets a number")
	assert.Equal(t, map[string]int{"pe": 6}, searchIDs(t, e, "pattern_id:pe"))
}

// Records stored before numbers keep their ids as strings; searches and
// pattern counts take them together with the numbered records.
func TestRecordsStoredBeforeNumbersStillMatch(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now().UTC().Add(-time.Minute)
	// As the engine wrote records before numbers: the id itself.
	lr := logstorage.GetLogRows(nil, nil, nil, nil, "")
	for i := range 4 {
		lr.MustAdd(defaultTenant, now.Add(time.Duration(i)*time.Millisecond).UnixNano(), []logstorage.Field{
			{Name: fieldService, Value: "api"}, {Name: fieldSource, Value: "h"},
			{Name: fieldMessage, Value: "old message"}, {Name: fieldLevel, Value: "ERROR"},
			{Name: fieldPatternID, Value: "pold"}, {Name: fieldID, Value: "old"},
		}, 2)
	}
	// And the rollup row it wrote for them, with the id too.
	lr.MustAdd(rollupTenant, now.UnixNano(), []logstorage.Field{
		{Name: fieldRollupTenant, Value: tenantField(defaultTenant)}, {Name: fieldPatternID, Value: "pold"},
		{Name: fieldLevel, Value: "ERROR"}, {Name: fieldRollupCount, Value: "4"},
		{Name: fieldRollupLast, Value: strconv.FormatInt(now.Add(3*time.Millisecond).UnixNano(), 10)},
		{Name: fieldRollupServices, Value: `["api"]`},
	}, 1)
	e.storage.MustAddRows(lr)
	logstorage.PutLogRows(lr)
	_, err := e.AddLogs(patternLogs(3, "pold", "old <*>", false, now.Add(time.Second)))
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))

	assert.Equal(t, map[string]int{"pold": 7}, searchIDs(t, e, "pattern_id:pold"))
	assert.Equal(t, map[string]int{"pold": 7}, searchIDs(t, e, "pattern_id:po*"))
	// From the rollup rows (a pattern filter), and from the records (a
	// service filter), over whole minutes and over a partial one.
	for _, filter := range []string{"pattern_id:pold", "service:api"} {
		for _, start := range []time.Time{now.Add(-time.Hour).Truncate(time.Minute), now.Add(-time.Hour)} {
			n, err := logquery.Parse(filter)
			require.NoError(t, err)
			got, err := e.Patterns(context.Background(), &logquery.PatternsRequest{Filter: n, Start: start, End: now.Add(time.Hour), Limit: 10})
			require.NoError(t, err)
			require.Len(t, got, 1, "%s: one pattern, however its records store it", filter)
			assert.Equal(t, "pold", got[0].PatternID)
			assert.EqualValues(t, 7, got[0].Count, filter)
			assert.True(t, got[0].FirstSeen.Equal(now), "%s: first seen %s: the oldest record, stored as the id", filter, got[0].FirstSeen)
			assert.True(t, got[0].LastSeen.Equal(now.Add(time.Second+2*time.Millisecond)), "%s: last seen %s", filter, got[0].LastSeen)
			assert.Equal(t, "old <*>", got[0].Pattern)
		}
	}
}

// Each day partition holds the number rows its records need, so retention
// that removes older days leaves every remaining record readable.
func TestNumbersAreKeptInEveryDayTheyAreUsed(t *testing.T) {
	dir := t.TempDir()
	e := openTestEngine(t, dir)
	today := time.Now().UTC().Truncate(24 * time.Hour).Add(time.Hour)
	for _, ts := range []time.Time{today.Add(-48 * time.Hour), today.Add(-24 * time.Hour), today, today.Add(time.Second)} {
		_, err := e.AddLogs(patternLogs(5, "p1", "User <*> logged in", false, ts))
		require.NoError(t, err)
	}
	require.NoError(t, e.WaitDurable(context.Background()))
	for _, day := range []time.Time{today.Add(-48 * time.Hour), today.Add(-24 * time.Hour), today} {
		rows, _, err := e.countIn(context.Background(), numbersTenant, "*", day.Truncate(24*time.Hour).UnixNano(), day.Truncate(24*time.Hour).Add(24*time.Hour).UnixNano()-1, 0)
		require.NoError(t, err)
		assert.EqualValues(t, 1, rows, "number rows on %s", day.Format(time.DateOnly))
	}
	assert.EqualValues(t, 20, e.Stats().Rows, "number rows are not counted as logs")
	e.Close()

	// Reopened with a day's retention, the store drops the oldest day, the
	// one p1 got its number in: the other days' records still read as p1.
	e, err := Open(Config{Path: dir, Retention: 24 * time.Hour, FlushInterval: time.Second})
	require.NoError(t, err)
	defer e.Close()
	n, _, err := e.countIn(context.Background(), defaultTenant, "*", math.MinInt64, math.MaxInt64, 0)
	require.NoError(t, err)
	require.EqualValues(t, 15, n, "retention drops the oldest day")
	assert.Equal(t, map[string]int{"p1": 15}, searchIDs(t, e, ""))
}
