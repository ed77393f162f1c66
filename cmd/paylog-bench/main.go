// Command paylog-bench is a load tool for any paylog: it ingests a generated
// workload (or a JSON-lines file) through POST /logs/batch-ingest, waits
// until the store holds it, measures single POST /logs/ingest latency at a
// fixed request rate, runs a search mix, and prints a table (or JSON) of
// logs/s, latencies, errors, server RSS and data size.
//
//	paylog-bench -url http://localhost:8000 -logs 1000000 -batch 1000 -clients 4
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

// options are the command line's settings.
type options struct {
	URL          string
	Logs         int
	Batch        int
	Clients      int
	Format       string
	IngestPath   string
	Gzip         bool
	Rate         float64
	File         string
	Seed         uint64
	Span         time.Duration
	SingleRate   float64
	SingleFor    time.Duration
	Searches     int
	WaitStored   time.Duration
	MaxDuration  time.Duration
	JSON         bool
	TelemetryURL string
	PID          int
	DataDir      string
	Settle       time.Duration
	Header       headerFlags
}

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "paylog-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, opts.MaxDuration)
	defer cancel()

	progress := newProgress(os.Stderr)
	report, err := run(ctx, opts, progress)
	progress.done()
	if report != nil {
		if opts.JSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(report)
		} else {
			report.writeTable(os.Stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "paylog-bench:", err)
		os.Exit(1)
	}
	if report.Errors() > 0 {
		os.Exit(1)
	}
}

func parseFlags(args []string, out io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("paylog-bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.URL, "url", "http://localhost:8000", "paylog's API base URL")
	fs.IntVar(&o.Logs, "logs", 1_000_000, "entries to ingest through /logs/batch-ingest (0 skips the phase; with -file, 0 replays the whole file)")
	fs.IntVar(&o.Batch, "batch", 1000, "entries per batch request")
	fs.IntVar(&o.Clients, "clients", 4, "concurrent batch clients")
	fs.StringVar(&o.Format, "format", "json", `batch body: "json" ({"logs": [...]}) or "ndjson"`)
	fs.BoolVar(&o.Gzip, "gzip", false, "gzip batch bodies")
	fs.Float64Var(&o.Rate, "rate", 0, "target entries/s for batch ingest (0: as fast as the server answers)")
	fs.StringVar(&o.File, "file", "", "replay this JSON-lines file (one LogEntry per line) instead of generating entries; -logs caps the lines read (0: all)")
	fs.Uint64Var(&o.Seed, "seed", 42, "workload seed: the same seed gives the same entries")
	fs.DurationVar(&o.Span, "span", time.Hour, "generated timestamps spread over this span ending now")
	fs.Float64Var(&o.SingleRate, "single-rate", 1000, "requests/s for the single /logs/ingest phase (0 skips it)")
	fs.DurationVar(&o.SingleFor, "single-duration", 10*time.Second, "length of the single /logs/ingest phase")
	fs.IntVar(&o.Searches, "searches", 20, "runs of each search of the mix (0 skips searches)")
	fs.DurationVar(&o.WaitStored, "wait-stored", 5*time.Minute, "how long to wait for ingested entries to become searchable (0: do not wait, for servers without paylog's search API)")
	fs.StringVar(&o.IngestPath, "ingest-path", "/logs/batch-ingest", "path (and query) the batch phase posts to; another server's bulk API for comparisons, e.g. VictoriaLogs' /insert/jsonline with -format ndjson -wait-stored 0")
	fs.DurationVar(&o.MaxDuration, "max-duration", 30*time.Minute, "bound on the whole run")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fs.StringVar(&o.TelemetryURL, "telemetry-url", "http://localhost:8888/metrics", "the collector's own metrics, read for its RSS (empty: skip)")
	fs.IntVar(&o.PID, "pid", 0, "the server's process id, read for its RSS when on this machine (overrides -telemetry-url)")
	fs.StringVar(&o.DataDir, "data-dir", "", "the server's data directory, measured for the data size when on this machine")
	fs.DurationVar(&o.Settle, "settle", time.Minute, "after the run, how long to wait at most for the data directory to stop shrinking (the store's merges), for the settled size (0: skip)")
	fs.Var(&o.Header, "H", `extra request header "Name: value" (repeatable), e.g. an Authorization header`)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case o.Logs < 0:
		return nil, errors.New("-logs must not be negative")
	case o.Batch < 1:
		return nil, errors.New("-batch must be at least 1")
	case o.Clients < 1:
		return nil, errors.New("-clients must be at least 1")
	case o.Format != "json" && o.Format != "ndjson":
		return nil, fmt.Errorf(`-format must be "json" or "ndjson", got %q`, o.Format)
	case o.Rate < 0 || o.SingleRate < 0:
		return nil, errors.New("rates must not be negative")
	case o.Searches < 0:
		return nil, errors.New("-searches must not be negative")
	case o.MaxDuration <= 0:
		return nil, errors.New("-max-duration must be positive")
	case !strings.HasPrefix(o.IngestPath, "/"):
		return nil, fmt.Errorf("-ingest-path must start with /, got %q", o.IngestPath)
	}
	return o, nil
}
