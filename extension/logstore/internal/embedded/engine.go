// Package embedded runs VictoriaLogs' lib/logstorage as the embedded log store.
//
// Thread safety: every Engine method may be called from many goroutines at
// once, except Close, which must be called once, after all other calls return.
// The rest of paylog never sees lib/logstorage types.
package embedded

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Config configures the engine.
type Config struct {
	// Path is the data directory; it is created when missing.
	Path string
	// Retention drops whole days older than this.
	Retention time.Duration
	// FutureRetention is how far in the future a record's timestamp may be.
	FutureRetention time.Duration
	// MaxDiskUsageBytes drops the oldest days above this size; 0 disables.
	MaxDiskUsageBytes int64
	// FlushInterval is how often buffered rows are written even without a durability point.
	FlushInterval time.Duration
	// MinFreeDiskBytes makes the store refuse writes when the disk has less free space.
	MinFreeDiskBytes int64
	// DurabilityInterval is the least time from the start of one durability
	// point to the next (see durabilityLoop.gather); 0 starts a point as
	// soon as a writer waits.
	DurabilityInterval time.Duration
}

// Engine is one open store.
type Engine struct {
	storage *logstorage.Storage
	cfg     Config

	// addMu lets many writers add rows at once and a durability point run
	// alone (see makeDurable).
	addMu sync.RWMutex

	durability durabilityLoop

	catalog *templateCatalog
	numbers *patternNumbers
	// internalCount counts the rows Stats leaves out.
	internalCount internalRowCount
	// catalogDay is the oldest day the catalog's per-day view still covers.
	catalogDay atomic.Int64
	// rollupSince is the time (Unix ns) from which rollup rows count every record.
	rollupSince int64
	// spareRows keeps emptied LogRows for the next AddLogs. The engine's
	// own pool is a sync.Pool, which a GC empties: every write then grew
	// a new LogRows' buffers from zero (growslice: 19% of the collector's
	// CPU under batch ingest).
	spareRows chan *logstorage.LogRows
}

// maxSpareRows bounds the LogRows kept between writes (a few MB each): one
// per writer of the default config's 16 queue consumers.
const maxSpareRows = 16

var errClosed = errors.New("log store is closed")

var flagsOnce sync.Once

// prepareLibraries satisfies VictoriaMetrics' libraries, which read their
// settings from Go's standard flag set and panic unless it was parsed; the
// collector parses its own flag set, not this one.
func prepareLibraries() {
	flagsOnce.Do(func() {
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
		// The engine logs every partition snapshot at INFO; one is taken per
		// durability point, many times a second.
		if f := flag.Lookup("loggerLevel"); f != nil {
			_ = f.Value.Set("ERROR")
		}
	})
}

// Open opens (or creates) the store at cfg.Path. Opening after an unclean
// stop is safe: the engine only ever lists parts whose files were complete.
func Open(cfg Config) (*Engine, error) {
	prepareLibraries()
	if err := os.MkdirAll(cfg.Path, 0o755); err != nil {
		return nil, fmt.Errorf("create log store directory %q: %w", cfg.Path, err)
	}
	var (
		storage  *logstorage.Storage
		panicked any
	)
	func() {
		// The engine reports unusable directories by panicking; turn that into an error.
		defer func() { panicked = recover() }()
		storage = logstorage.MustOpenStorage(cfg.Path, &logstorage.StorageConfig{
			Retention:              cfg.Retention,
			FutureRetention:        cfg.FutureRetention,
			MaxDiskSpaceUsageBytes: cfg.MaxDiskUsageBytes,
			FlushInterval:          cfg.FlushInterval,
			MinFreeDiskSpaceBytes:  cfg.MinFreeDiskBytes,
		})
	}()
	if panicked != nil {
		return nil, fmt.Errorf("open log store at %q: %v", cfg.Path, panicked)
	}
	e := &Engine{storage: storage, cfg: cfg, catalog: newTemplateCatalog(), numbers: newPatternNumbers(), spareRows: make(chan *logstorage.LogRows, maxSpareRows)}
	// Durability snapshots are deleted as soon as they are made; one left by
	// a crash would pin the disk space of every part it links to forever.
	for _, path := range storage.PartitionSnapshotList() {
		if err := storage.PartitionSnapshotDelete(path); err != nil {
			storage.MustClose()
			return nil, fmt.Errorf("remove snapshot %q left by an unclean stop: %w", path, err)
		}
	}
	if err := errors.Join(e.loadCatalog(context.Background()), e.loadNumbers(context.Background()), e.recountInternalRows(), e.loadRollupSince(time.Now())); err != nil {
		storage.MustClose()
		return nil, fmt.Errorf("read pattern templates: %w", err)
	}
	e.durability.start(e.makeDurable, cfg.DurabilityInterval)
	return e, nil
}

// ReadOnly reports whether free disk space is under the configured minimum.
func (e *Engine) ReadOnly() bool { return e.storage.IsReadOnly() }

// ErrReadOnly is returned by AddLogs while the disk is nearly full.
var ErrReadOnly = errors.New("log store is read-only: free disk space is under the configured minimum")

// Close waits for pending durability points, then flushes and closes the store.
func (e *Engine) Close() {
	e.durability.stop()
	e.storage.MustClose()
}

// makeDurable writes every row added so far into files on disk.
//
// DebugFlush moves buffered rows into in-memory parts (searchable, not
// durable). A partition snapshot flushes in-memory parts to files, fsyncs
// them and lists them in the partition's parts.json, which is what the engine
// reads on reopen; the snapshot itself is only hard links and is deleted at
// once. But a snapshot skips in-memory parts that a background merge holds at
// that moment, so the point repeats the snapshot until the store reports no
// rows left in memory. Writers are held off meanwhile (they are waiting for
// this point anyway), so the loop ends as soon as running merges finish.
func (e *Engine) makeDurable(days []string) error {
	e.addMu.Lock()
	defer e.addMu.Unlock()
	e.storage.DebugFlush()
	deadline := time.Now().Add(durabilityTimeout)
	prefixes := days
	for {
		var errs []error
		for _, prefix := range prefixes {
			for _, path := range e.storage.PartitionSnapshotMustCreate(prefix) {
				if err := e.storage.PartitionSnapshotDelete(path); err != nil {
					errs = append(errs, fmt.Errorf("delete durability snapshot: %w", err))
				}
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		var ss logstorage.StorageStats
		e.storage.UpdateStats(&ss)
		if ss.InmemoryRowsCount == 0 && ss.PendingRows == 0 && ss.IndexdbActiveInmemoryMerges == 0 {
			if time.Since(e.internalCount.countedAt) > internalRecount {
				// Not an error of the point: the rows are durable.
				_ = e.recountInternalRows()
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("log store still holds %d rows only in memory after %s", ss.InmemoryRowsCount, durabilityTimeout)
		}
		// Rows are still in parts a merge held; retry all days once it ends.
		prefixes = []string{""}
		time.Sleep(time.Millisecond)
	}
}

// durabilityTimeout bounds one durability point; past it the writers get an
// error and their data stays in the persistent queue to be retried.
const durabilityTimeout = 30 * time.Second

// WaitDurable returns once every row added before the call is in files on
// disk. Concurrent callers share one durability point.
func (e *Engine) WaitDurable(ctx context.Context) error {
	return e.durability.wait(ctx)
}

// Stats is a snapshot of the store's size.
type Stats struct {
	Rows               uint64
	CompressedBytes    uint64
	UncompressedBytes  uint64
	Partitions         uint64
	DroppedOutOfWindow uint64
	ReadOnly           bool
	// DurabilityPoints counts the durability points run since Open,
	// DurabilityPointErrors those that failed (their writers were told and
	// their data stayed queued), DurabilityPointTime the time they took.
	DurabilityPoints      uint64
	DurabilityPointErrors uint64
	DurabilityPointTime   time.Duration
}

// Stats returns the store's current size.
func (e *Engine) Stats() Stats {
	var ss logstorage.StorageStats
	e.storage.UpdateStats(&ss)
	d := ss.DatadbStats
	rows := d.InmemoryRowsCount + d.SmallPartRowsCount + d.BigPartRowsCount
	// The engine counts the catalog's, the rollups' and the numbers' rows too.
	rows -= min(e.internalRows(), rows)
	return Stats{
		Rows:               rows,
		CompressedBytes:    d.CompressedInmemorySize + d.CompressedSmallPartSize + d.CompressedBigPartSize,
		UncompressedBytes:  d.UncompressedInmemorySize + d.UncompressedSmallPartSize + d.UncompressedBigPartSize,
		Partitions:         ss.PartitionsCount,
		DroppedOutOfWindow: ss.RowsDroppedTooBigTimestamp + ss.RowsDroppedTooSmallTimestamp,
		ReadOnly:           ss.IsReadOnly,

		DurabilityPoints:      e.durability.points.Load(),
		DurabilityPointErrors: e.durability.failed.Load(),
		DurabilityPointTime:   time.Duration(e.durability.pointNanos.Load()),
	}
}

var rowBuilderPool = sync.Pool{New: func() any { return &rowBuilder{} }}

// AddLogs adds the records of ld to the store, as AddBatch(NewBatch(ld)).
func (e *Engine) AddLogs(ld plog.Logs) (AddResult, error) {
	return e.AddBatch(NewBatch(ld))
}

// AddBatch adds the rows of b to the store: searchable after the next
// durability point or flush, durable after WaitDurable. It reports rows
// that were shortened or that it could not keep, or returns ErrReadOnly (and
// adds nothing) when the disk is nearly full.
func (e *Engine) AddBatch(b *Batch) (AddResult, error) {
	if e.ReadOnly() {
		return AddResult{}, ErrReadOnly
	}
	e.durability.adding.Add(1)
	defer e.durability.adding.Add(-1)
	rb := rowBuilderPool.Get().(*rowBuilder)
	defer rowBuilderPool.Put(rb)
	lr := e.getRows()
	defer e.putRows(lr)
	days := make(map[string]struct{}, 1)
	now := time.Now()
	oldest, newest := e.window(now)
	store := func(lr *logstorage.LogRows) {
		e.addMu.RLock()
		e.storage.MustAddRows(lr)
		e.addMu.RUnlock()
	}
	res := rb.addBatch(lr, store, b, oldest, newest, days, e.catalog, e.numbers)
	appendCatalogRows(lr, rb.templates, now)
	rollupRows := rb.appendRollupRows(lr)
	e.addMu.RLock()
	e.storage.MustAddRows(lr)
	// Counted under the lock a recount excludes.
	e.internalCount.added.Add(uint64(len(rb.templates) + rollupRows + rb.numberRowsAdded))
	e.addMu.RUnlock()
	e.catalog.remember(rb.templates)
	e.numbers.markStored(rb.numberRows)
	// The pooled builder must not pin this batch's strings.
	rb.forgetBatch()
	if day := oldest / int64(24*time.Hour); day > e.catalogDay.Load() {
		e.catalogDay.Store(day)
		e.catalog.forgetBefore(day)
		e.numbers.forgetBefore(day)
	}
	// Days are recorded after the rows are in: a durability point that
	// starts between the two still covers them through the next point.
	for day := range days {
		e.durability.touch(day)
	}
	return res, nil
}

func (e *Engine) getRows() *logstorage.LogRows {
	select {
	case lr := <-e.spareRows:
		return lr
	default:
		return logstorage.GetLogRows(nil, nil, nil, nil, "")
	}
}

func (e *Engine) putRows(lr *logstorage.LogRows) {
	lr.ResetKeepSettings()
	select {
	case e.spareRows <- lr:
	default:
		logstorage.PutLogRows(lr)
	}
}

// window returns the oldest and newest timestamps (ns) the engine keeps now:
// it drops rows older than now-retention and beyond the end of the day that
// now+future_retention falls in.
func (e *Engine) window(now time.Time) (int64, int64) {
	const day = int64(24 * time.Hour)
	retention := max(e.cfg.Retention, 24*time.Hour)
	future := max(e.cfg.FutureRetention, 24*time.Hour)
	newestDay := (now.UnixNano() + int64(future)) / day
	return now.UnixNano() - int64(retention), (newestDay+1)*day - 1
}

// internalRowCount counts the rows of the catalog, rollup and number tenants, for
// Stats to leave them out without a query per call: the rows a query counted
// plus those added since. The query is repeated every internalRecount, as
// retention removes rows too, in a durability point: there every added row
// is searchable and no row is being added.
type internalRowCount struct {
	counted   atomic.Uint64
	added     atomic.Uint64
	countedAt time.Time
}

const internalRecount = time.Minute

func (e *Engine) internalRows() uint64 {
	return e.internalCount.counted.Load() + e.internalCount.added.Load()
}

// recountInternalRows counts the catalog, rollup and number rows; the caller keeps
// writers out.
func (e *Engine) recountInternalRows() error {
	var n uint64
	for _, tenant := range []logstorage.TenantID{catalogTenant, rollupTenant, numbersTenant} {
		rows, _, err := e.countIn(context.Background(), tenant, "*", math.MinInt64, math.MaxInt64, 0)
		if err != nil {
			return err
		}
		n += rows
	}
	c := &e.internalCount
	c.counted.Store(n)
	c.added.Store(0)
	c.countedAt = time.Now()
	return nil
}
