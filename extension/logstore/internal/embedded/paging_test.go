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
