package embedded

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/logquery"
)

// TestCursorPagingWithTiesAndReplays pages through groups of records that
// share a timestamp, some stored twice (as queue replays after a crash are),
// and checks every record comes back exactly once per stored copy.
func TestCursorPagingWithTiesAndReplays(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	base := time.Now().Add(-time.Minute)
	total := 0
	for k := range 200 {
		g := k
		if k >= 180 {
			g = k - 180 + 7 // replays: same timestamps and messages
		} else {
			total += 250
		}
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("host.name", fmt.Sprintf("h%d", g%8))
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		ts := base.Add(time.Duration(g) * time.Millisecond)
		for i := range 250 {
			r := lrs.AppendEmpty()
			r.SetTimestamp(pcommon.NewTimestampFromTime(ts))
			r.Body().SetStr(fmt.Sprintf("durability g%de%d", g, i))
		}
		_, err := e.AddLogs(ld)
		require.NoError(t, err)
		if k%17 == 0 {
			require.NoError(t, e.WaitDurable(context.Background()))
		}
	}
	require.NoError(t, e.WaitDurable(context.Background()))
	seen := map[string]int{}
	var after *logquery.Cursor
	for page := 0; page < 100; page++ {
		res, err := e.Search(context.Background(), &logquery.Request{Filter: &logquery.Term{Value: "durability"}, Limit: 1000, After: after})
		require.NoError(t, err)
		require.EqualValues(t, 200*250, res.TotalCount, "every page counts all matches, not those after the cursor")
		for _, r := range res.Records {
			seen[r.Message]++
		}
		if res.Next == nil {
			break
		}
		after = res.Next
	}
	require.Len(t, seen, total)
	for msg, n := range seen {
		if msg < "durability g7e" || msg >= "durability g8" {
			continue
		}
		require.Equal(t, 2, n, msg)
	}
}

// TestPageWindowsFindOlderMatches spreads records over three days, the
// searched word only in a few old and some future ones, and checks that
// pages read in growing windows (newest minute first) return exactly what
// an ordering of all matches gives: newest first and oldest first, with
// offsets, and with a time range.
func TestPageWindowsFindOlderMatches(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now()
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	var rare []time.Time // timestamps of the "needle" records, oldest first
	for i := range 3000 {
		// From 70 hours ago to 50 minutes ahead (a skewed clock).
		ts := now.Add(-70 * time.Hour).Add(time.Duration(i) * 85 * time.Second)
		msg := fmt.Sprintf("haystack %d", i)
		if i%500 == 3 || i == 2999 {
			msg = fmt.Sprintf("needle %d", i)
			rare = append(rare, ts)
		}
		r := lrs.AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		r.Body().SetStr(msg)
	}
	_, err := e.AddLogs(ld)
	require.NoError(t, err)
	require.NoError(t, e.WaitDurable(context.Background()))
	require.True(t, rare[len(rare)-1].After(now), "one match lies ahead of now")

	needle := &logquery.Term{Value: "needle"}
	times := func(req *logquery.Request) []time.Time {
		res, err := e.Search(context.Background(), req)
		require.NoError(t, err)
		require.EqualValues(t, len(rare), res.TotalCount)
		var out []time.Time
		for _, r := range res.Records {
			out = append(out, r.Timestamp)
		}
		return out
	}
	newestFirst := make([]time.Time, len(rare))
	for i, ts := range rare {
		newestFirst[len(rare)-1-i] = ts.UTC().Round(0)
	}
	oldestFirst := make([]time.Time, len(rare))
	for i, ts := range rare {
		oldestFirst[i] = ts.UTC().Round(0)
	}
	require.Equal(t, newestFirst[:3], times(&logquery.Request{Filter: needle, Limit: 3}))
	require.Equal(t, newestFirst[2:5], times(&logquery.Request{Filter: needle, Limit: 3, Offset: 2}))
	require.Equal(t, oldestFirst[:3], times(&logquery.Request{Filter: needle, Limit: 3, Ascending: true}))
	require.Equal(t, oldestFirst[4:], times(&logquery.Request{Filter: needle, Limit: 10, Offset: 4, Ascending: true}))
	// A range that ends in the past: windows start from its end.
	res, err := e.Search(context.Background(), &logquery.Request{Filter: needle, Limit: 2, End: rare[3].Add(time.Second)})
	require.NoError(t, err)
	require.Len(t, res.Records, 2)
	require.Equal(t, rare[3].UTC().Round(0), res.Records[0].Timestamp)
	require.Equal(t, rare[2].UTC().Round(0), res.Records[1].Timestamp)
}
