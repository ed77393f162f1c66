package embedded

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paylog/paylog/internal/logquery"
)

// writeDays writes n records for each of the days days before now (0 is
// today), each record's message made of random bytes so that the days take
// about the same, incompressible, room.
func writeDays(t *testing.T, e *Engine, now time.Time, days, n, messageBytes int) {
	t.Helper()
	raw := make([]byte, messageBytes/2)
	for d := range days {
		ld := testLogs(n, fmt.Sprintf("day-%d", d), now.Add(-time.Duration(d)*24*time.Hour))
		records := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := 0; i < records.Len(); i++ {
			_, _ = rand.Read(raw)
			records.At(i).Body().SetStr(hex.EncodeToString(raw))
		}
		res, err := e.AddLogs(ld)
		require.NoError(t, err)
		require.Equal(t, AddResult{}, res)
	}
	require.NoError(t, e.WaitDurable(context.Background()))
}

// countByService counts the stored records of each day-<d> service.
func countByService(t *testing.T, e *Engine, days int) map[int]uint64 {
	t.Helper()
	counts := map[int]uint64{}
	for d := range days {
		res, err := e.Search(context.Background(), &logquery.Request{
			Filter: &logquery.Term{Field: logquery.FieldService, Value: fmt.Sprintf("day-%d", d)},
			Start:  time.Now().Add(-60 * 24 * time.Hour), Limit: 1,
		})
		require.NoError(t, err)
		counts[d] = res.TotalCount
	}
	return counts
}

// partitionSizes is the bytes on disk of each day's partition directory.
func partitionSizes(t *testing.T, storePath string) map[string]int64 {
	t.Helper()
	sizes := map[string]int64{}
	root := filepath.Join(storePath, "partitions")
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, day := range entries {
		if !day.IsDir() {
			continue
		}
		var size int64
		err := filepath.WalkDir(filepath.Join(root, day.Name()), func(_ string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if info, err := d.Info(); err == nil && !d.IsDir() {
				size += info.Size()
			}
			return nil
		})
		if err == nil { // a partition being deleted may vanish under the walk
			sizes[day.Name()] = size
		}
	}
	return sizes
}

// TestRetentionDropsOldDays: seven days written under a 10-day retention,
// reopened with 3 days: the days older than that are gone, the newer ones
// whole. The engine drops whole days: the day 3 days back may stay.
func TestRetentionDropsOldDays(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC().Add(-time.Minute)
	e, err := Open(Config{Path: dir, Retention: 10 * 24 * time.Hour, FlushInterval: time.Second})
	require.NoError(t, err)
	writeDays(t, e, now, 7, 50, 40)
	before := countByService(t, e, 7)
	for d := range 7 {
		require.EqualValues(t, 50, before[d], "day %d before", d)
	}
	e.Close()

	e, err = Open(Config{Path: dir, Retention: 3 * 24 * time.Hour, FlushInterval: time.Second})
	require.NoError(t, err)
	defer e.Close()
	after := countByService(t, e, 7)
	for d := 0; d <= 2; d++ {
		assert.EqualValues(t, 50, after[d], "day %d is within the retention", d)
	}
	for d := 4; d < 7; d++ {
		assert.EqualValues(t, 0, after[d], "day %d is older than the retention", d)
	}
	// And new records older than it are refused, counted, not stored.
	res, err := e.AddLogs(testLogs(2, "late", now.Add(-5*24*time.Hour)))
	require.NoError(t, err)
	assert.Equal(t, AddResult{OutOfWindow: 2}, res)
}

// TestMaxDiskUsageDropsOldestDays: eight days of incompressible records,
// reopened with a disk limit that holds about three and a half of them. The
// oldest days go, whole, until the partitions fit: what stays is the newest
// days without a gap, and the partitions' size is over the limit by less than
// one day's partition.
func TestMaxDiskUsageDropsOldestDays(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC().Add(-time.Minute)
	e, err := Open(Config{Path: dir, Retention: 30 * 24 * time.Hour, FlushInterval: time.Second})
	require.NoError(t, err)
	const days = 8
	writeDays(t, e, now, days, 4000, 200)
	e.Close()

	sizes := partitionSizes(t, dir)
	require.Len(t, sizes, days)
	names := make([]string, 0, len(sizes))
	var largest int64
	for name, size := range sizes {
		names = append(names, name)
		largest = max(largest, size)
	}
	sort.Strings(names)
	newest := names[len(names)-4:]
	limit := sizes[newest[1]] + sizes[newest[2]] + sizes[newest[3]] + sizes[newest[0]]/2

	e, err = Open(Config{Path: dir, Retention: 30 * 24 * time.Hour, FlushInterval: time.Second, MaxDiskUsageBytes: limit})
	require.NoError(t, err)
	defer e.Close()
	// The engine checks at start and every 10 seconds; a dropped partition's
	// files go once no search holds it.
	// The engine stops searching a dropped day before its files are gone, and
	// may drop several days one after the other: wait until the directories
	// and the searches agree (a day is either there whole or gone).
	var kept map[string]int64
	var counts map[int]uint64
	require.Eventually(t, func() bool {
		kept = partitionSizes(t, dir)
		if len(kept) == days {
			return false
		}
		counts = countByService(t, e, days)
		for d := range days {
			if (d < len(kept)) != (counts[d] == 4000) || (d >= len(kept)) != (counts[d] == 0) {
				return false
			}
		}
		return true
	}, 30*time.Second, 100*time.Millisecond, "no partition dropped under a limit of %d bytes, or the days left on disk are not the days searched: %v, %v", limit, kept, counts)

	var total int64
	for _, size := range kept {
		total += size
	}
	t.Logf("limit %d bytes, largest day %d: kept %d days, %d bytes", limit, largest, len(kept), total)
	assert.LessOrEqual(t, total, limit+largest, "partitions %v over the %d-byte limit by more than one day", kept, limit)
	keptNames := make([]string, 0, len(kept))
	for name := range kept {
		keptNames = append(keptNames, name)
	}
	sort.Strings(keptNames)
	assert.Equal(t, names[len(names)-len(keptNames):], keptNames, "the newest days stay, without a gap")
	assert.GreaterOrEqual(t, len(keptNames), 3, "three days fit under the limit")

	for d := range days {
		if d < len(keptNames) {
			assert.EqualValues(t, 4000, counts[d], "day %d kept whole", d)
		} else {
			assert.EqualValues(t, 0, counts[d], "day %d dropped whole", d)
		}
	}
}
