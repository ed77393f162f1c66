package embedded

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"github.com/paylog/paylog/internal/logquery"
)

// resultFields are the stored fields a search returns.
var resultFields = []string{"_time", fieldID, fieldMessage, fieldLevel, fieldService, fieldSource,
	fieldTraceID, fieldSpanID, fieldMetadata, fieldMetadataShape, logquery.MetadataPrefix + "*",
	fieldCorrelationID, fieldPatternID, fieldPattern}

// Search runs req and returns one page plus the total number of matches.
// The count and the page run at the same time.
func (e *Engine) Search(ctx context.Context, req *logquery.Request) (*logquery.Result, error) {
	filter := e.toLogsQL(req.Filter)
	start, end := timeBounds(req.Start, req.End)
	tenant := tenantID(req.Tenant)

	var (
		total uint64
		exact bool
	)
	counted := make(chan error, 1)
	// The range as asked: a cursor narrows only the page's range below.
	go func(start, end int64) {
		var err error
		total, exact, err = e.countIn(ctx, tenant, filter, start, end, req.CountLimit)
		counted <- err
	}(start, end)

	offset := req.Offset
	if c := req.After; c != nil {
		// The cursor's record and those before it share its timestamp or lie
		// beyond it; the ordering (time, then id) makes Skip exact.
		offset = c.Skip
		if req.Ascending {
			start = max(start, c.Time.UnixNano())
		} else {
			end = min(end, c.Time.UnixNano())
		}
	}
	records, err := e.page(ctx, tenant, filter, start, end, offset, req.Limit, req.Ascending)
	if err == nil {
		err = e.fillTemplates(ctx, records)
	}
	if countErr := <-counted; err == nil {
		err = countErr
	}
	if err != nil {
		return nil, err
	}
	result := &logquery.Result{Records: records, TotalCount: total, TotalExact: exact}
	if len(records) == req.Limit && req.Limit > 0 {
		result.Next = nextCursor(records, req.After)
	}
	return result, nil
}

// firstWindow is the time range the page query reads first; each next one
// is windowGrowth times longer, until the whole range is read.
const (
	firstWindow  = time.Minute
	windowGrowth = 8
)

// page returns the matches offset..offset+limit-1 in time order. Rather
// than reading the whole range, it reads a growing window from the end the
// order starts at (the newest minute, then 8, 64, ... for newest first) and
// stops at the first window that holds enough matches: every match before
// them in the order lies inside it. A search for recent errors reads the
// recent blocks only; one with few matches reads about 1.14 times the range.
func (e *Engine) page(ctx context.Context, tenant logstorage.TenantID, filter string, start, end int64, offset, limit int, ascending bool) ([]logquery.Record, error) {
	order := "desc"
	if ascending {
		order = "asc"
	}
	query := fmt.Sprintf("%s | sort by (_time %s, %s %s) | offset %d | limit %d | fields %s",
		filter, order, fieldID, order, offset, limit, strings.Join(resultFields, ", "))
	now := time.Now()
	oldest, newest := e.window(now)
	for width := int64(firstWindow); ; width *= windowGrowth {
		lo, hi := start, end
		// A window as wide as all the data the store keeps is the range.
		whole := true
		switch {
		case width >= newest-oldest:
		case ascending:
			// From the oldest kept row when the range has no start.
			if from := max(start, oldest); from <= end-width {
				hi, whole = from+width, false
			}
		default:
			// Back from now when the range has no end: rows ahead of now
			// stay in every window.
			if from := min(end, now.UnixNano()); from-width > start {
				lo, whole = from-width, false
			}
		}
		records, err := e.pageIn(ctx, tenant, query, lo, hi, ascending)
		if err != nil || whole || len(records) >= limit {
			return records, err
		}
	}
}

// pageIn runs the page query on [start, end].
func (e *Engine) pageIn(ctx context.Context, tenant logstorage.TenantID, query string, start, end int64, ascending bool) ([]logquery.Record, error) {
	var (
		mu      sync.Mutex
		records []logquery.Record
		times   []int64
	)
	err := e.run(ctx, tenant, query, start, end, func(db *logstorage.DataBlock) {
		mu.Lock()
		defer mu.Unlock()
		records, times = appendRecords(records, times, db, e.catalog, e.numbers)
	})
	if err != nil {
		return nil, err
	}
	sortRecords(records, ascending)
	return records, nil
}

// nextCursor points after the last record of a full page.
func nextCursor(records []logquery.Record, after *logquery.Cursor) *logquery.Cursor {
	last := records[len(records)-1].Timestamp
	same := 0
	for i := len(records) - 1; i >= 0 && records[i].Timestamp.Equal(last); i-- {
		same++
	}
	if same == len(records) && after != nil && after.Time.Equal(last) {
		// The whole page shared the previous cursor's timestamp.
		same += after.Skip
	}
	return &logquery.Cursor{Time: last, Skip: same}
}

func sortRecords(records []logquery.Record, ascending bool) {
	slices.SortStableFunc(records, func(a, b logquery.Record) int {
		c := a.Timestamp.Compare(b.Timestamp)
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if ascending {
			return c
		}
		return -c
	})
}

func timeBounds(start, end time.Time) (int64, int64) {
	s, e := int64(math.MinInt64), int64(math.MaxInt64)
	if !start.IsZero() {
		s = start.UnixNano()
	}
	if !end.IsZero() {
		e = end.UnixNano()
	}
	return s, e
}

// countIn counts the matches in [start, end], up to limit when limit > 0;
// exact is false when there were more than limit. The limit pipe ends the
// scan as soon as it has seen enough rows.
func (e *Engine) countIn(ctx context.Context, tenant logstorage.TenantID, filter string, start, end int64, limit uint64) (total uint64, exact bool, err error) {
	query := filter + " | stats count() as total"
	if limit > 0 {
		query = fmt.Sprintf("%s | limit %d | stats count() as total", filter, limit+1)
	}
	var mu sync.Mutex
	err = e.run(ctx, tenant, query, start, end, func(db *logstorage.DataBlock) {
		c := db.GetColumnByName("total")
		if c == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, v := range c.Values {
			n, _ := strconv.ParseUint(v, 10, 64)
			total += n
		}
	})
	if limit > 0 && total > limit {
		return limit, false, err
	}
	return total, true, err
}

// run parses a LogsQL query, bounds it in time and streams its result blocks.
func (e *Engine) run(ctx context.Context, tenant logstorage.TenantID, query string, start, end int64, onBlock func(db *logstorage.DataBlock)) error {
	q, err := logstorage.ParseQuery(query)
	if err != nil {
		// The compiler quotes everything, so this is a bug, not bad input.
		return fmt.Errorf("compiled query does not parse: %w", err)
	}
	if start != math.MinInt64 || end != math.MaxInt64 {
		q.AddTimeFilter(start, end)
	}
	qctx := logstorage.NewQueryContext(ctx, &logstorage.QueryStats{}, []logstorage.TenantID{tenant}, q, false, nil)
	return e.storage.RunQuery(qctx, func(_ uint, db *logstorage.DataBlock) { onBlock(db) })
}

// readRows runs query and hands its result rows to read one at a time
// (blocks arrive from several goroutines). It returns the query's error,
// else the first error read returned; a row read refused does not stop the
// others.
func (e *Engine) readRows(ctx context.Context, tenant logstorage.TenantID, query string, start, end int64, read func(cols map[string][]string, i int) error) error {
	var (
		mu    sync.Mutex
		first error
	)
	err := e.run(ctx, tenant, query, start, end, func(db *logstorage.DataBlock) {
		cols := columnsByName(db)
		mu.Lock()
		defer mu.Unlock()
		for i := range db.RowsCount() {
			if err := read(cols, i); err != nil && first == nil {
				first = err
			}
		}
	})
	if err == nil {
		err = first
	}
	return err
}

// columnsByName returns a result block's column values by column name.
func columnsByName(db *logstorage.DataBlock) map[string][]string {
	cols := map[string][]string{}
	for _, c := range db.GetColumns(false) {
		cols[c.Name] = c.Values
	}
	return cols
}

// recordID is a record's id in results: its timestamp (base 36) and its id
// field, which is unique among the records with that timestamp.
func recordID(ts int64, field string) string {
	return strconv.FormatInt(ts, 36) + "-" + field
}

// appendRecords converts a result block into records.
func appendRecords(records []logquery.Record, times []int64, db *logstorage.DataBlock, catalog *templateCatalog, numbers *patternNumbers) ([]logquery.Record, []int64) {
	n := db.RowsCount()
	times, ok := db.GetTimestamps(times[:0])
	if !ok {
		times = make([]int64, n)
	}
	cols := columnsByName(db)
	for _, name := range []string{fieldID, fieldMetadata, fieldMetadataShape} {
		if cols[name] == nil {
			cols[name] = make([]string, n)
		}
	}
	metadata := newMetadataReader(cols)
	get := func(name string, i int) string {
		if v := cols[name]; v != nil {
			return strings.Clone(v[i])
		}
		return ""
	}
	optional := func(name string, i int) *string {
		if v := get(name, i); v != "" {
			return &v
		}
		return nil
	}
	for i := range n {
		r := logquery.Record{
			ID:            recordID(times[i], cols[fieldID][i]),
			Timestamp:     time.Unix(0, times[i]).UTC(),
			Level:         get(fieldLevel, i),
			Message:       get(fieldMessage, i),
			Source:        get(fieldSource, i),
			Service:       optional(fieldService, i),
			TraceID:       optional(fieldTraceID, i),
			SpanID:        optional(fieldSpanID, i),
			CorrelationID: optional(fieldCorrelationID, i),
			PatternID:     optional(fieldPatternID, i),
			Pattern:       optional(fieldPattern, i),
		}
		if r.PatternID != nil {
			*r.PatternID = numbers.patternID(*r.PatternID)
			// Rows written before the catalog carry their own template.
			if t, ok := catalog.template(*r.PatternID); ok {
				r.Pattern = &t
			}
		}
		r.Metadata = metadata.read(i, cols[fieldMetadata][i], cols[fieldMetadataShape][i])
		records = append(records, r)
	}
	return records, times
}

// Check runs a trivial query to prove the store answers.
func (e *Engine) Check(ctx context.Context) error {
	return e.run(ctx, defaultTenant, "* | limit 1", math.MinInt64, math.MaxInt64, func(*logstorage.DataBlock) {})
}
