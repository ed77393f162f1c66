package journalstorage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

func openTest(t *testing.T, dir string, segmentSize int64, syncAll bool) *journal {
	t.Helper()
	j, err := openJournal(dir, segmentSize, syncAll, time.Hour, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { j.close() })
	return j
}

func set(t *testing.T, j *journal, key, value string) {
	t.Helper()
	require.NoError(t, j.batch([]*storage.Operation{storage.SetOperation(key, []byte(value))}))
}

func del(t *testing.T, j *journal, key string) {
	t.Helper()
	require.NoError(t, j.batch([]*storage.Operation{storage.DeleteOperation(key)}))
}

func get(t *testing.T, j *journal, key string) []byte {
	t.Helper()
	v, err := j.get(key)
	require.NoError(t, err)
	return v
}

// contents reads every key of want from j, and checks no other key is there.
func assertHolds(t *testing.T, j *journal, want map[string]string) {
	t.Helper()
	j.mu.RLock() // the syncer may be moving values
	keys := len(j.index)
	j.mu.RUnlock()
	assert.Equal(t, len(want), keys, "keys")
	for key, value := range want {
		assert.Equal(t, value, string(get(t, j, key)), key)
	}
}

// segmentBytes is the size of every segment file in dir.
func segmentBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	for _, f := range segmentFiles(t, dir) {
		info, err := os.Stat(f)
		require.NoError(t, err)
		total += info.Size()
	}
	return total
}

func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.journal"))
	require.NoError(t, err)
	return files
}

func TestStorageContract(t *testing.T) {
	j := openTest(t, t.TempDir(), 1<<20, true)
	assert.Nil(t, get(t, j, "missing"), "a missing key reads as nil")
	del(t, j, "missing")

	set(t, j, "a", "one")
	set(t, j, "a", "two")
	set(t, j, "empty", "")
	assert.Equal(t, "two", string(get(t, j, "a")))
	assert.Equal(t, []byte{}, get(t, j, "empty"), "an empty value is not a missing one")

	// A batch applies in order; its Gets see the writes before them.
	before, afterSet, afterDelete := storage.GetOperation("b"), storage.GetOperation("b"), storage.GetOperation("b")
	other := storage.GetOperation("a")
	require.NoError(t, j.batch([]*storage.Operation{
		before, storage.SetOperation("b", []byte("bee")), afterSet,
		storage.DeleteOperation("b"), afterDelete, other,
	}))
	assert.Nil(t, before.Value)
	assert.Equal(t, "bee", string(afterSet.Value))
	assert.Nil(t, afterDelete.Value)
	assert.Equal(t, "two", string(other.Value))
	assert.Nil(t, get(t, j, "b"))

	// What Get returns is the caller's to change.
	v := get(t, j, "a")
	v[0] = 'X'
	assert.Equal(t, "two", string(get(t, j, "a")))
	// And what Set was given is the caller's to change afterwards.
	value := []byte("three")
	require.NoError(t, j.batch([]*storage.Operation{storage.SetOperation("a", value)}))
	value[0] = 'X'
	assert.Equal(t, "three", string(get(t, j, "a")))

	require.NoError(t, j.close())
	require.NoError(t, j.close(), "closing twice")
	_, err := j.get("a")
	assert.ErrorIs(t, err, errClosed)
	assert.ErrorIs(t, j.batch([]*storage.Operation{storage.SetOperation("a", nil)}), errClosed)
}

func TestReopenHoldsWhatWasWritten(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir, 64<<10, true)
	want := map[string]string{}
	for i := range 500 {
		key := fmt.Sprintf("key-%d", i%120)
		switch {
		case i%7 == 3:
			del(t, j, key)
			delete(want, key)
		default:
			value := fmt.Sprintf("value %d %s", i, bytes.Repeat([]byte{'v'}, i))
			set(t, j, key, value)
			want[key] = value
		}
	}
	assertHolds(t, j, want)
	require.NoError(t, j.close())

	j = openTest(t, dir, 64<<10, true)
	assertHolds(t, j, want)
	// It goes on where it stopped.
	set(t, j, "after", "reopen")
	want["after"] = "reopen"
	require.NoError(t, j.close())
	assertHolds(t, openTest(t, dir, 64<<10, true), want)
}

// A crash in the middle of a write leaves part of its record at the end of
// the last segment: it was never acknowledged, and it is cut off.
func TestTornWriteAtTheEndIsCutOff(t *testing.T) {
	for _, tc := range []struct {
		name string
		tear func(record []byte) []byte
	}{
		{"header cut short", func(r []byte) []byte { return r[:5] }},
		{"payload cut short", func(r []byte) []byte { return r[:len(r)-3] }},
		{"zeros instead of data", func(r []byte) []byte { return make([]byte, len(r)) }},
		{"a byte changed", func(r []byte) []byte { r = bytes.Clone(r); r[len(r)/2] ^= 0x40; return r }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j := openTest(t, dir, 1<<20, true)
			set(t, j, "kept", "yes")
			set(t, j, "also", "kept")
			require.NoError(t, j.close())

			// The record of one more write, torn, at the end.
			var w recordWriter
			w.reset()
			w.set("lost", []byte("a value that never made it"))
			w.delete("kept")
			torn := tc.tear(w.finish())
			files := segmentFiles(t, dir)
			require.Len(t, files, 1)
			intact, err := os.Stat(files[0])
			require.NoError(t, err)
			f, err := os.OpenFile(files[0], os.O_WRONLY|os.O_APPEND, 0)
			require.NoError(t, err)
			_, err = f.Write(torn)
			require.NoError(t, err)
			require.NoError(t, f.Close())

			j = openTest(t, dir, 1<<20, true)
			assertHolds(t, j, map[string]string{"kept": "yes", "also": "kept"})
			after, err := os.Stat(files[0])
			require.NoError(t, err)
			assert.Equal(t, intact.Size(), after.Size(), "the torn record is cut off")
			set(t, j, "next", "write")
			require.NoError(t, j.close())
			assertHolds(t, openTest(t, dir, 1<<20, true), map[string]string{"kept": "yes", "also": "kept", "next": "write"})
		})
	}
}

// Damage before the end of the journal is not what a crash leaves: the
// journal does not open, and says which file.
func TestDamageBeforeTheEndIsAnError(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir, 4<<10, true)
	for i := range 40 {
		set(t, j, fmt.Sprintf("key-%d", i), string(bytes.Repeat([]byte{'v'}, 500)))
	}
	require.NoError(t, j.close())
	files := segmentFiles(t, dir)
	require.Greater(t, len(files), 2)
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	data[100] ^= 0xff
	require.NoError(t, os.WriteFile(files[0], data, 0o640))

	_, err = openJournal(dir, 4<<10, true, time.Hour, zap.NewNop())
	require.Error(t, err)
	assert.Contains(t, err.Error(), files[0])
	assert.Contains(t, err.Error(), "checksum")
}

// A queue's keys come and go in order: old segments empty out and go, and a
// key set once at the start is carried along instead of holding them.
func TestOldSegmentsGo(t *testing.T) {
	dir := t.TempDir()
	const segmentSize = 64 << 10
	j := openTest(t, dir, segmentSize, false)
	set(t, j, "settings", "set once")
	want := map[string]string{"settings": "set once"}
	item := bytes.Repeat([]byte{'i'}, 900)
	for i := range 3000 {
		key := fmt.Sprintf("item-%d", i)
		require.NoError(t, j.batch([]*storage.Operation{
			storage.SetOperation("meta", fmt.Appendf(nil, "written %d", i)),
			storage.SetOperation(key, item),
		}))
		want[key] = string(item)
		if i >= 20 {
			gone := fmt.Sprintf("item-%d", i-20)
			require.NoError(t, j.batch([]*storage.Operation{
				storage.SetOperation("meta", fmt.Appendf(nil, "done %d", i-20)),
				storage.DeleteOperation(gone),
			}))
			delete(want, gone)
		}
		assert.LessOrEqual(t, len(j.segments), 3, "after write %d", i)
	}
	want["meta"] = "done 2979"
	assert.LessOrEqual(t, len(segmentFiles(t, dir)), 3, "about 3 MB written through 64 KB segments")
	assertHolds(t, j, want)
	require.NoError(t, j.close())
	assertHolds(t, openTest(t, dir, segmentSize, false), want)
}

// With sync: new_keys a write that adds a key is fsynced before it returns;
// one that changes or deletes keys waits for the next one that adds a key.
func TestSyncNewKeys(t *testing.T) {
	j := openTest(t, t.TempDir(), 1<<20, false)
	set(t, j, "item-1", "new")
	assert.Equal(t, 1, j.syncs, "a new key is fsynced")
	set(t, j, "item-1", "changed")
	del(t, j, "item-1")
	require.NoError(t, j.batch([]*storage.Operation{storage.GetOperation("item-1")}))
	assert.Equal(t, 1, j.syncs, "changes and deletes wait")
	assert.True(t, j.dirty)
	set(t, j, "item-2", "new")
	assert.Equal(t, 2, j.syncs, "one fsync covers what waited")
	assert.False(t, j.dirty)

	always := openTest(t, t.TempDir(), 1<<20, true)
	set(t, always, "a", "new")
	set(t, always, "a", "changed")
	del(t, always, "a")
	assert.Equal(t, 3, always.syncs)
}

// What waits for an fsync gets one within sync_interval.
func TestSyncIntervalBoundsTheWait(t *testing.T) {
	j, err := openJournal(t.TempDir(), 1<<20, false, 20*time.Millisecond, zap.NewNop())
	require.NoError(t, err)
	defer j.close()
	set(t, j, "a", "new")
	set(t, j, "a", "changed")
	require.Eventually(t, func() bool {
		j.mu.Lock()
		defer j.mu.Unlock()
		return !j.dirty && j.syncs == 2
	}, 5*time.Second, 10*time.Millisecond)
}

func TestConcurrentUse(t *testing.T) {
	j := openTest(t, t.TempDir(), 32<<10, false)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 300 {
				key := fmt.Sprintf("w%d-%d", w, i%10)
				value := fmt.Sprintf("%d-%d", w, i)
				assert.NoError(t, j.batch([]*storage.Operation{storage.SetOperation(key, []byte(value))}))
				got, err := j.get(key)
				assert.NoError(t, err)
				assert.Equal(t, value, string(got))
			}
		})
	}
	wg.Wait()
	assert.Len(t, j.index, 40)
}

// A queue that drained keeps next to nothing on disk: the segment its burst
// went through goes too, though it was the last one.
func TestDrainedQueueLeavesLittle(t *testing.T) {
	dir := t.TempDir()
	const segmentSize = 1 << 20
	j := openTest(t, dir, segmentSize, false)
	item := bytes.Repeat([]byte{'i'}, 2000)
	for i := range 2000 {
		key := fmt.Sprintf("item-%d", i)
		require.NoError(t, j.batch([]*storage.Operation{storage.SetOperation("meta", fmt.Appendf(nil, "%d", i)), storage.SetOperation(key, item)}))
	}
	for i := range 2000 {
		require.NoError(t, j.batch([]*storage.Operation{storage.SetOperation("meta", fmt.Appendf(nil, "done %d", i)), storage.DeleteOperation(fmt.Sprintf("item-%d", i))}))
	}
	assert.LessOrEqual(t, segmentBytes(t, dir), int64(segmentSize/32), "4 MB went through the journal")
	assertHolds(t, j, map[string]string{"meta": "done 1999"})
	require.NoError(t, j.close())
	assertHolds(t, openTest(t, dir, segmentSize, false), map[string]string{"meta": "done 1999"})
}

// A queue that drained below the early end's size (1/32 of a segment) gives
// its bytes back once it has been idle for a while: the syncer ends the
// segment and the live value moves on.
func TestIdleDrainedQueueEndsItsSegment(t *testing.T) {
	dir := t.TempDir()
	const segmentSize = 8 << 20
	j, err := openJournal(dir, segmentSize, false, 10*time.Millisecond, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.close() })
	j.mu.Lock()
	j.idleEnd = 500 * time.Millisecond
	j.mu.Unlock()

	item := bytes.Repeat([]byte{'i'}, 2000)
	for i := range 100 {
		require.NoError(t, j.batch([]*storage.Operation{storage.SetOperation("meta", fmt.Appendf(nil, "%d", i)), storage.SetOperation(fmt.Sprintf("item-%d", i), item)}))
	}
	for i := range 100 {
		require.NoError(t, j.batch([]*storage.Operation{storage.SetOperation("meta", fmt.Appendf(nil, "done %d", i)), storage.DeleteOperation(fmt.Sprintf("item-%d", i))}))
	}
	require.Greater(t, segmentBytes(t, dir), int64(200_000), "the burst is on disk, under the early end's %d bytes", segmentSize/32)
	assert.Eventually(t, func() bool { return segmentBytes(t, dir) < segmentSize/512 }, 10*time.Second, 20*time.Millisecond,
		"the idle journal still holds %d bytes", segmentBytes(t, dir))
	assertHolds(t, j, map[string]string{"meta": "done 99"})
	require.NoError(t, j.close())
	assertHolds(t, openTest(t, dir, segmentSize, false), map[string]string{"meta": "done 99"})
}

// A journal written to without pause keeps its last segment.
func TestBusyJournalKeepsItsSegment(t *testing.T) {
	j := openTest(t, t.TempDir(), 8<<20, false)
	last := j.segments[len(j.segments)-1]
	require.NoError(t, j.batch([]*storage.Operation{storage.SetOperation("k", bytes.Repeat([]byte{'v'}, 64<<10))}))
	require.NoError(t, j.batch([]*storage.Operation{storage.DeleteOperation("k")}))
	j.mu.Lock()
	j.endIdleSegment(time.Now())
	j.mu.Unlock()
	assert.Same(t, last, j.segments[len(j.segments)-1], "written to a moment ago")
}
