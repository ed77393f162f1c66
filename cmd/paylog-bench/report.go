package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Report is a run's result; -json prints it as is.
type Report struct {
	URL         string         `json:"url"`
	Started     time.Time      `json:"started"`
	BatchIngest *BatchResult   `json:"batch_ingest,omitempty"`
	Single      *SingleResult  `json:"single_ingest,omitempty"`
	Searches    []SearchResult `json:"searches,omitempty"`
	Server      ServerResult   `json:"server"`
	// ErrorSamples are the first failed requests' messages.
	ErrorSamples []string `json:"error_samples,omitempty"`
}

// Latency is a distribution in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// BatchResult is the /logs/batch-ingest phase.
type BatchResult struct {
	Logs      int    `json:"logs"`
	Batches   int    `json:"batches"`
	BatchSize int    `json:"batch_size"`
	Clients   int    `json:"clients"`
	Format    string `json:"format"`
	Gzip      bool   `json:"gzip"`
	RawBytes  int64  `json:"raw_json_bytes"`
	// Accepted is what the server acknowledged (its "accepted" counts).
	Accepted        int64   `json:"accepted"`
	Errors          int     `json:"errors"`
	AckedSeconds    float64 `json:"acked_seconds"`
	AckedLogsPerSec float64 `json:"acked_logs_per_sec"`
	// Stored: the store counted every accepted entry, StoredSeconds after
	// the first request.
	Stored           bool    `json:"stored"`
	StoredSeconds    float64 `json:"stored_seconds"`
	StoredLogsPerSec float64 `json:"stored_logs_per_sec"`
	Latency          Latency `json:"batch_latency"`
}

// SingleResult is the /logs/ingest phase.
type SingleResult struct {
	Requests     int     `json:"requests"`
	Rate         float64 `json:"target_rate"`
	AchievedRate float64 `json:"achieved_rate"`
	Errors       int     `json:"errors"`
	Latency      Latency `json:"latency"`
}

// SearchResult is one search of the mix.
type SearchResult struct {
	Name    string  `json:"name"`
	Example string  `json:"example"`
	Runs    int     `json:"runs"`
	Errors  int     `json:"errors"`
	Hits    int64   `json:"hits"`
	Latency Latency `json:"latency"`
}

// ServerResult is what was read off the server after the run.
type ServerResult struct {
	RSSBytes  int64  `json:"rss_bytes,omitempty"`
	RSSSource string `json:"rss_source,omitempty"`
	DataBytes int64  `json:"data_bytes,omitempty"`
	// DataToRaw is DataBytes over the raw JSON of this run's entries
	// (meaningful when the data directory held nothing before).
	DataToRaw float64 `json:"data_to_raw_json,omitempty"`
	// SettledDataBytes is the smallest size the data directory fell to
	// within -settle, SettledAfterSec when it got there.
	SettledDataBytes int64    `json:"settled_data_bytes,omitempty"`
	SettledAfterSec  float64  `json:"settled_after_sec,omitempty"`
	SettledDataToRaw float64  `json:"settled_data_to_raw_json,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

// Errors counts failed requests of every phase.
func (r *Report) Errors() int {
	n := 0
	if r.BatchIngest != nil {
		n += r.BatchIngest.Errors
	}
	if r.Single != nil {
		n += r.Single.Errors
	}
	for _, s := range r.Searches {
		n += s.Errors
	}
	return n
}

// latencyLog collects the latencies of requests answered from several
// goroutines.
type latencyLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencyLog) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencyLog) summary() Latency {
	l.mu.Lock()
	defer l.mu.Unlock()
	return percentiles(l.d)
}

func percentiles(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	sorted := append([]time.Duration(nil), d...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	at := func(p float64) float64 {
		// Nearest rank.
		i := int(p*float64(len(sorted))+0.999999) - 1
		return ms(sorted[min(max(i, 0), len(sorted)-1)])
	}
	return Latency{Count: len(sorted), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(sorted[len(sorted)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r *Report) writeTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "paylog-bench against %s, %s\n\n", r.URL, r.Started.Format(time.RFC3339))
	if b := r.BatchIngest; b != nil {
		fmt.Fprintf(tw, "batch ingest\t%d logs, %d per batch (%s%s), %d clients, %.1f MB raw JSON\n", b.Logs, b.BatchSize, b.Format,
			map[bool]string{true: "+gzip"}[b.Gzip], b.Clients, float64(b.RawBytes)/1e6)
		fmt.Fprintf(tw, "  acknowledged\t%.0f logs/s (%.2fs)\n", b.AckedLogsPerSec, b.AckedSeconds)
		if b.Stored {
			fmt.Fprintf(tw, "  searchable\t%.0f logs/s (%.2fs, all %d accepted)\n", b.StoredLogsPerSec, b.StoredSeconds, b.Accepted)
		} else {
			fmt.Fprintf(tw, "  searchable\tnot all within the wait\n")
		}
		fmt.Fprintf(tw, "  batch latency\t%s\n", latencyText(b.Latency))
		fmt.Fprintf(tw, "  errors\t%d\n", b.Errors)
	}
	if s := r.Single; s != nil {
		fmt.Fprintf(tw, "single ingest\t%d requests at %.0f/s (achieved %.0f/s)\n", s.Requests, s.Rate, s.AchievedRate)
		fmt.Fprintf(tw, "  latency\t%s\n", latencyText(s.Latency))
		fmt.Fprintf(tw, "  errors\t%d\n", s.Errors)
	}
	if len(r.Searches) > 0 {
		fmt.Fprintf(tw, "searches\tp50\tp95\thits\terrors\n")
		for _, s := range r.Searches {
			fmt.Fprintf(tw, "  %s\t%.1f ms\t%.1f ms\t%d\t%d\n", s.Name, s.Latency.P50, s.Latency.P95, s.Hits, s.Errors)
		}
	}
	fmt.Fprintf(tw, "server\t")
	var parts []string
	if r.Server.RSSBytes > 0 {
		parts = append(parts, fmt.Sprintf("RSS %.0f MiB (%s)", float64(r.Server.RSSBytes)/(1<<20), r.Server.RSSSource))
	}
	if r.Server.DataBytes > 0 {
		parts = append(parts, fmt.Sprintf("data %.1f MB", float64(r.Server.DataBytes)/1e6))
	}
	if r.Server.DataToRaw > 0 {
		parts = append(parts, fmt.Sprintf("%.1f%% of the raw JSON", 100*r.Server.DataToRaw))
	}
	if r.Server.SettledDataBytes > 0 {
		parts = append(parts, fmt.Sprintf("settled %.1f MB (%.1f%%) after %.0f s", float64(r.Server.SettledDataBytes)/1e6, 100*r.Server.SettledDataToRaw, r.Server.SettledAfterSec))
	}
	if len(parts) == 0 {
		parts = append(parts, "not measured (-pid, -telemetry-url, -data-dir)")
	}
	fmt.Fprintln(tw, strings.Join(parts, ", "))
	for _, n := range r.Server.Notes {
		fmt.Fprintf(tw, "  note\t%s\n", n)
	}
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(tw, "error\t%s\n", e)
	}
	_ = tw.Flush()
}

func latencyText(l Latency) string {
	if l.Count == 0 {
		return "no successful request"
	}
	return fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms", l.P50, l.P95, l.P99, l.Max)
}
