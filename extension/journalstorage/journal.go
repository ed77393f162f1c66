package journalstorage // import "github.com/paylog/paylog/extension/journalstorage"

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

var errClosed = errors.New("journal_storage: the client is closed")

// journal is one client's keys: an append-only log of records in numbered
// segment files, and an index of where each live key's value is on disk.
// Values are read from the files (the page cache), never held in memory, so
// a long backlog costs disk, not heap. Safe for concurrent use.
type journal struct {
	dir         string
	segmentSize int64
	syncAll     bool
	logger      *zap.Logger

	mu       sync.RWMutex
	index    map[string]location
	segments []*segment // oldest first; records go to the last
	// dirty is set while records of the last segment are not fsynced.
	dirty bool
	// failed is set once an fsync failed: what reached the disk is then
	// unknown, so the journal takes no more writes.
	failed error
	closed bool
	syncs  int // fsyncs done, for tests
	writer recordWriter
	staged map[string]stagedValue // one Batch's writes, for its Gets

	// lastWrite is when a record was last appended; idleEnd is how long
	// after it the syncer ends a mostly dead last segment (endIdleSegment).
	lastWrite time.Time
	idleEnd   time.Duration

	stopSyncer chan struct{}
	syncerDone chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

type segment struct {
	number uint64
	file   *os.File
	size   int64
	// live counts the bytes of keys and values in it that are still the
	// current ones; at zero the file can go.
	live int64
}

type location struct {
	segment *segment
	offset  int64
	length  int
}

type stagedValue struct {
	value   []byte
	deleted bool
}

var segmentName = regexp.MustCompile(`^([0-9]{20})\.journal$`)

func segmentPath(dir string, number uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d.journal", number))
}

// openJournal opens the journal in dir, creating it when missing, and
// replays its records. A record cut short or damaged at the end of the last
// segment is what a crash leaves of a write that was never acknowledged: it
// is cut off. Damage anywhere else is an error.
func openJournal(dir string, segmentSize int64, syncAll bool, syncInterval time.Duration, logger *zap.Logger) (*journal, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var numbers []uint64
	for _, e := range entries {
		if m := segmentName.FindStringSubmatch(e.Name()); m != nil {
			n, err := strconv.ParseUint(m[1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("segment %s: %w", e.Name(), err)
			}
			numbers = append(numbers, n)
		}
	}
	slices.Sort(numbers)
	j := &journal{dir: dir, segmentSize: segmentSize, syncAll: syncAll, logger: logger,
		index: map[string]location{}, staged: map[string]stagedValue{}, idleEnd: idleEndAfter}
	for i, n := range numbers {
		f, err := os.OpenFile(segmentPath(dir, n), os.O_RDWR, 0)
		if err != nil {
			j.closeFiles()
			return nil, err
		}
		seg := &segment{number: n, file: f}
		j.segments = append(j.segments, seg)
		if err := j.replay(seg, i == len(numbers)-1); err != nil {
			j.closeFiles()
			return nil, err
		}
	}
	if len(j.segments) == 0 {
		if _, err := j.newSegment(1); err != nil {
			return nil, err
		}
	}
	if !syncAll {
		j.stopSyncer, j.syncerDone = make(chan struct{}), make(chan struct{})
		go j.syncEvery(syncInterval)
	}
	return j, nil
}

// replay applies the records of seg to the index.
func (j *journal) replay(seg *segment, last bool) error {
	info, err := seg.file.Stat()
	if err != nil {
		return err
	}
	fileSize := info.Size()
	r := bufio.NewReaderSize(seg.file, 1<<20)
	header := make([]byte, recordHeaderLen)
	var (
		payload []byte
		ops     []op
		off     int64
		bad     string
	)
	for {
		if _, err := io.ReadFull(r, header); err != nil {
			if err != io.EOF {
				bad = "a record header cut short"
			}
			break
		}
		n := int64(binary.LittleEndian.Uint32(header[4:8]))
		if n > maxRecordLen || off+recordHeaderLen+n > fileSize {
			bad = "a record longer than the file"
			break
		}
		payload = slices.Grow(payload[:0], int(n))[:n]
		if _, err := io.ReadFull(r, payload); err != nil {
			return fmt.Errorf("read %s: %w", seg.file.Name(), err)
		}
		if !checkRecord(header, payload) {
			bad = "a record whose checksum does not match"
			break
		}
		if ops, err = parseRecord(payload, ops[:0]); err != nil {
			bad = "a record that does not parse"
			break
		}
		for _, o := range ops {
			if o.kind == opDelete {
				j.remove(o.key)
				continue
			}
			j.put(o.key, location{segment: seg, offset: off + recordHeaderLen + int64(o.valueAt), length: o.length})
		}
		off += recordHeaderLen + n
	}
	seg.size = off
	if bad == "" {
		return nil
	}
	if !last {
		return fmt.Errorf("%s holds %s at offset %d, before later segments: the disk lost data that was fsynced; move the file away to start without what it holds", seg.file.Name(), bad, off)
	}
	j.logger.Warn("Journal ends in an incomplete write (a crash before it was acknowledged); cutting it off",
		zap.String("file", seg.file.Name()), zap.String("found", bad), zap.Int64("offset", off), zap.Int64("bytes_cut", fileSize-off))
	if err := seg.file.Truncate(off); err != nil {
		return err
	}
	return seg.file.Sync()
}

// put points key at loc. Callers hold mu (or own j).
func (j *journal) put(key string, loc location) {
	j.remove(key)
	j.index[key] = loc
	loc.segment.live += int64(len(key) + loc.length)
}

func (j *journal) remove(key string) {
	if old, ok := j.index[key]; ok {
		old.segment.live -= int64(len(key) + old.length)
		delete(j.index, key)
	}
}

// get returns a copy of key's value, nil when it has none.
func (j *journal) get(key string) ([]byte, error) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return nil, errClosed
	}
	return j.read(key)
}

// read returns a copy of key's value. Callers hold mu.
func (j *journal) read(key string) ([]byte, error) {
	loc, ok := j.index[key]
	if !ok {
		return nil, nil
	}
	value := make([]byte, loc.length)
	if _, err := loc.segment.file.ReadAt(value, loc.offset); err != nil {
		return nil, fmt.Errorf("read the value of %q: %w", key, err)
	}
	return value, nil
}

// batch applies ops in order as one record: after a crash either all of its
// writes are there or none.
func (j *journal) batch(ops []*storage.Operation) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return errClosed
	}
	if err := j.apply(ops); err != nil {
		return err
	}
	j.dropOldSegments()
	return nil
}

// apply writes ops as one record and fsyncs it when the policy asks.
// Callers hold mu.
func (j *journal) apply(ops []*storage.Operation) error {
	clear(j.staged)
	w := &j.writer
	w.reset()
	type write struct {
		key     string
		at      int
		length  int
		deleted bool
	}
	var (
		writes  []write
		addsKey bool
	)
	for _, o := range ops {
		switch o.Type {
		case storage.Get:
			if s, ok := j.staged[o.Key]; ok {
				o.Value = nil
				if !s.deleted {
					o.Value = slices.Clone(s.value)
				}
				continue
			}
			v, err := j.read(o.Key)
			if err != nil {
				return err
			}
			o.Value = v
		case storage.Set:
			if _, ok := j.index[o.Key]; !ok {
				addsKey = true
			}
			at := w.set(o.Key, o.Value)
			j.staged[o.Key] = stagedValue{value: o.Value}
			writes = append(writes, write{key: o.Key, at: at, length: len(o.Value)})
		case storage.Delete:
			w.delete(o.Key)
			j.staged[o.Key] = stagedValue{deleted: true}
			writes = append(writes, write{key: o.Key, deleted: true})
		default:
			return fmt.Errorf("journal_storage: unknown operation type %d", o.Type)
		}
	}
	if len(writes) == 0 {
		return nil
	}
	if j.failed != nil {
		return j.failed
	}
	record := w.finish()
	seg, start, err := j.append(record)
	if err != nil {
		return err
	}
	for _, wr := range writes {
		if wr.deleted {
			j.remove(wr.key)
			continue
		}
		j.put(wr.key, location{segment: seg, offset: start + int64(wr.at), length: wr.length})
	}
	j.dirty = true
	if j.syncAll || addsKey {
		return j.sync()
	}
	return nil
}

// append writes record at the end of the last segment, starting a new one
// when it is full, and returns where the record went.
func (j *journal) append(record []byte) (*segment, int64, error) {
	seg := j.segments[len(j.segments)-1]
	if seg.size > 0 && seg.size+int64(len(record)) > j.segmentSize {
		var err error
		if seg, err = j.roll(); err != nil {
			return nil, 0, err
		}
	}
	start := seg.size
	if _, err := seg.file.WriteAt(record, start); err != nil {
		// A write cut short (a full disk) must not stay in front of the
		// next record.
		if terr := seg.file.Truncate(start); terr != nil {
			j.failed = fmt.Errorf("journal_storage: %s: a failed write could not be undone (%w); restart to recover what is on disk", seg.file.Name(), terr)
		}
		return nil, 0, fmt.Errorf("journal_storage: write %s: %w", seg.file.Name(), err)
	}
	seg.size += int64(len(record))
	j.lastWrite = time.Now()
	return seg, start, nil
}

// roll starts a new segment. The full one is fsynced first: a crash must not
// keep records of the new segment and lose earlier ones.
func (j *journal) roll() (*segment, error) {
	if err := j.sync(); err != nil {
		return nil, err
	}
	return j.newSegment(j.segments[len(j.segments)-1].number + 1)
}

func (j *journal) newSegment(number uint64) (*segment, error) {
	f, err := os.OpenFile(segmentPath(j.dir, number), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	if err := syncDir(j.dir); err != nil {
		f.Close()
		return nil, err
	}
	seg := &segment{number: number, file: f}
	j.segments = append(j.segments, seg)
	return seg, nil
}

// sync fsyncs the last segment (earlier ones were fsynced when it started).
func (j *journal) sync() error {
	if !j.dirty {
		return nil
	}
	seg := j.segments[len(j.segments)-1]
	if err := seg.file.Sync(); err != nil {
		j.failed = fmt.Errorf("journal_storage: fsync %s: %w; it takes no more writes, restart to recover what is on disk", seg.file.Name(), err)
		return j.failed
	}
	j.dirty = false
	j.syncs++
	return nil
}

// dropOldSegments removes the oldest segments once nothing in them is live,
// and ends the last one early once little in it is.
// Only the oldest ever goes: a delete recorded in a later segment must stay
// while the segment holding the value it deleted is there. A few live
// values holding up an old segment (a key set once and never again) are
// written again at the end first.
func (j *journal) dropOldSegments() {
	if last := j.segments[len(j.segments)-1]; last.size >= j.segmentSize/32 && last.live*16 <= last.size {
		// A queue that drained leaves its last segment mostly dead, and
		// it would stay so until full: start the next one now, so the
		// dead bytes go with it (a 1M-log burst left 32 MiB behind; at
		// 1/8 of a segment, four queues kept 11.7 MB after a 10M-log one).
		if _, err := j.roll(); err != nil {
			return
		}
	}
	for len(j.segments) > 1 {
		oldest := j.segments[0]
		if oldest.live > j.segmentSize/16 {
			return
		}
		if oldest.live > 0 {
			if err := j.moveLive(oldest); err != nil {
				j.logger.Warn("Could not move live values out of an old journal segment", zap.String("file", oldest.file.Name()), zap.Error(err))
				return
			}
		}
		// What replaced its values must be on disk before it goes.
		if err := j.sync(); err != nil {
			return
		}
		name := oldest.file.Name()
		oldest.file.Close()
		if err := os.Remove(name); err != nil {
			j.logger.Warn("Could not remove an old journal segment", zap.String("file", name), zap.Error(err))
		} else if err := syncDir(j.dir); err != nil {
			j.logger.Warn("Could not fsync the journal directory", zap.String("dir", j.dir), zap.Error(err))
		}
		j.segments = j.segments[1:]
	}
}

// idleEndAfter is how long a journal goes without writes before its syncer
// ends a mostly dead last segment.
const idleEndAfter = 10 * time.Second

// endIdleSegment ends the last segment once no record has been written for
// idleEnd and little in it is live: a queue that drained below the early
// end's 1/32 of a segment (the tail of a burst, a run of single requests)
// would otherwise keep those bytes until the next burst fills the segment.
// Callers hold mu.
func (j *journal) endIdleSegment(now time.Time) {
	last := j.segments[len(j.segments)-1]
	if now.Sub(j.lastWrite) < j.idleEnd || last.size < j.segmentSize/512 || last.live*16 > last.size {
		return
	}
	if _, err := j.roll(); err != nil {
		j.logger.Warn("Could not end an idle journal segment", zap.String("file", last.file.Name()), zap.Error(err))
		return
	}
	j.dropOldSegments()
}

// moveLive writes the live values of seg again, as one record at the end.
func (j *journal) moveLive(seg *segment) error {
	var ops []*storage.Operation
	for key, loc := range j.index {
		if loc.segment != seg {
			continue
		}
		value, err := j.read(key)
		if err != nil {
			return err
		}
		ops = append(ops, storage.SetOperation(key, value))
	}
	if len(ops) == 0 {
		return nil
	}
	return j.apply(ops)
}

// syncEvery fsyncs what waits for it every interval (sync: new_keys).
func (j *journal) syncEvery(interval time.Duration) {
	defer close(j.syncerDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-j.stopSyncer:
			return
		case <-t.C:
			j.mu.Lock()
			if !j.closed {
				if err := j.sync(); err != nil {
					j.logger.Error("Journal fsync failed", zap.Error(err))
				} else if j.failed == nil {
					j.endIdleSegment(time.Now())
				}
			}
			j.mu.Unlock()
		}
	}
}

// close fsyncs what waits and closes the files; later calls do nothing.
func (j *journal) close() error {
	j.closeOnce.Do(func() {
		if j.stopSyncer != nil {
			close(j.stopSyncer)
			<-j.syncerDone
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		var err error
		if j.failed == nil {
			err = j.sync()
		}
		j.closed = true
		j.closeErr = errors.Join(err, j.closeFiles())
	})
	return j.closeErr
}

func (j *journal) closeFiles() error {
	var errs []error
	for _, seg := range j.segments {
		errs = append(errs, seg.file.Close())
	}
	return errors.Join(errs...)
}

// syncDir makes a file's creation or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
