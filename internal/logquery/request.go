package logquery

import (
	"encoding/json"
	"time"
)

// Request is a search over one backend: a filter expression (the search
// string and every filter parameter, already combined), a time range and a page.
type Request struct {
	// Filter selects the records; MatchAll{} selects all.
	Filter Node
	// Start and End bound the record timestamps, inclusive; zero means unbounded.
	Start, End time.Time
	// Limit is the page size; Offset skips records before the page.
	Limit, Offset int
	// Ascending returns the oldest records first; the default is newest first.
	Ascending bool
	// After continues a previous page (deep paging); when set, Offset is ignored.
	After *Cursor
	// Tenant is whose records are searched; "" is the default tenant.
	Tenant string
	// CountLimit bounds the counting of matches: 0 counts every match; N
	// stops at N, so a broad search does not read every match to count it.
	CountLimit uint64
}

// DefaultCountLimit is where a search stops counting unless asked for the
// exact number: as Elasticsearch's default, and well past a page or two.
const DefaultCountLimit = 10000

// Cursor marks where a page ended: the timestamp of its last record and how
// many records with that same timestamp were already returned. A backend may
// carry its own continuation instead of Skip: Elasticsearch's point in time
// and the last record's sort values (search_after).
type Cursor struct {
	Time       time.Time         `json:"t"`
	Skip       int               `json:"n"`
	PIT        string            `json:"p,omitempty"`
	SortValues []json.RawMessage `json:"s,omitempty"`
}

// RequestError is a request the backend cannot answer as asked (an offset
// past what it pages to, an expired cursor): the API answers 400 naming Param.
type RequestError struct {
	Param, Message string
}

func (e *RequestError) Error() string { return e.Param + ": " + e.Message }

// Record is one stored log record in the API's LogEntry shape.
type Record struct {
	ID            string         `json:"id"`
	Timestamp     time.Time      `json:"timestamp"`
	Level         string         `json:"level"`
	Message       string         `json:"message"`
	Source        string         `json:"source"`
	Service       *string        `json:"service"`
	TraceID       *string        `json:"trace_id"`
	SpanID        *string        `json:"span_id"`
	Metadata      map[string]any `json:"metadata"`
	CorrelationID *string        `json:"correlation_id"`
	PatternID     *string        `json:"pattern_id"`
	Pattern       *string        `json:"pattern"`
}

// Result is one page of records plus the number of matching records.
type Result struct {
	Records    []Record
	TotalCount uint64
	// TotalExact says TotalCount is the number of all matches; when false,
	// counting stopped at the request's CountLimit: at least that many match.
	TotalExact bool
	// Next continues after this page; nil when the page is the last.
	Next *Cursor
}

// PatternsRequest asks for the most frequent patterns among the records a
// filter selects in a time range.
type PatternsRequest struct {
	Filter     Node
	Start, End time.Time
	Limit      int
	// Tenant is whose records are counted; "" is the default tenant.
	Tenant string
}

// PatternSummary is one pattern with its counts, in the API's shape.
type PatternSummary struct {
	Pattern   string    `json:"pattern"`
	PatternID string    `json:"pattern_id"`
	Count     uint64    `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Services  []string  `json:"services"`
	Sample    string    `json:"sample"`
}

// HistogramRequest counts the matching records per time bucket and level.
type HistogramRequest struct {
	Filter Node
	// Start and End bound the buckets; both set. Start is a multiple of
	// Interval (buckets are aligned to the Unix epoch, in UTC).
	Start, End time.Time
	Interval   time.Duration
	// Tenant is whose records are counted; "" is the default tenant.
	Tenant string
}

// HistogramBucket is the count of one time bucket [Time, Time+interval).
type HistogramBucket struct {
	Time time.Time `json:"time"`
	// Counts holds the levels with records in the bucket.
	Counts map[string]uint64 `json:"counts"`
	Total  uint64            `json:"total"`
}

// Histogram is every bucket of the range, empty ones included, oldest first.
type Histogram struct {
	Start      time.Time         `json:"start"`
	End        time.Time         `json:"end"`
	IntervalMS int64             `json:"interval_ms"`
	Buckets    []HistogramBucket `json:"buckets"`
	TotalCount uint64            `json:"total_count"`
}

// NewHistogram returns req's buckets, all empty, to be filled by Add.
func NewHistogram(req *HistogramRequest) *Histogram {
	h := &Histogram{Start: req.Start.UTC(), End: req.End.UTC(), IntervalMS: req.Interval.Milliseconds()}
	for t := h.Start; t.Before(h.End); t = t.Add(req.Interval) {
		h.Buckets = append(h.Buckets, HistogramBucket{Time: t, Counts: map[string]uint64{}})
	}
	return h
}

// Add counts n records of level at time t; times outside the range are
// ignored.
func (h *Histogram) Add(t time.Time, level string, n uint64) {
	if t.Before(h.Start) || !t.Before(h.End) || n == 0 {
		return
	}
	b := &h.Buckets[t.Sub(h.Start).Milliseconds()/h.IntervalMS]
	b.Counts[level] += n
	b.Total += n
	h.TotalCount += n
}
