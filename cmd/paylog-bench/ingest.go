package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paylog/paylog/internal/workload"
)

// corpus is the entries of a run as JSON lines, plus what the searches pick
// from them.
type corpus struct {
	lines    [][]byte
	rawBytes int64
	services []string
	traceIDs []string
}

// loadCorpus generates n entries or reads up to n lines of a file.
func loadCorpus(o *options) (*corpus, error) {
	c := &corpus{}
	seenService := map[string]bool{}
	note := func(service, traceID string) {
		if service != "" && !seenService[service] && len(c.services) < 50 {
			seenService[service] = true
			c.services = append(c.services, service)
		}
		if traceID != "" && len(c.traceIDs) < 1000 {
			c.traceIDs = append(c.traceIDs, traceID)
		}
	}
	if o.File == "" {
		g := workload.New(o.Seed, time.Now(), o.Span)
		for i := range o.Logs {
			e := g.Entry(i, o.Logs)
			line, err := json.Marshal(e)
			if err != nil {
				return nil, err
			}
			c.lines = append(c.lines, line)
			c.rawBytes += int64(len(line)) + 1
			note(e.Service, e.TraceID)
		}
		return c, nil
	}
	f, err := os.Open(o.File)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 16<<20)
	for scanner.Scan() && (o.Logs == 0 || len(c.lines) < o.Logs) {
		line := bytes.TrimSpace(scanner.Bytes())
		if len(line) == 0 {
			continue
		}
		var fields struct {
			Service string `json:"service"`
			TraceID string `json:"trace_id"`
		}
		if err := json.Unmarshal(line, &fields); err != nil {
			return nil, fmt.Errorf("%s line %d is not a JSON object: %w", o.File, len(c.lines)+1, err)
		}
		note(fields.Service, fields.TraceID)
		c.lines = append(c.lines, bytes.Clone(line))
		c.rawBytes += int64(len(line)) + 1
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// batchBodies groups lines into request bodies: {"logs": [...]} or NDJSON,
// gzip-compressed when asked.
func batchBodies(lines [][]byte, size int, format string, gz bool) ([][]byte, error) {
	var bodies [][]byte
	for start := 0; start < len(lines); start += size {
		var b bytes.Buffer
		if format == "json" {
			b.WriteString(`{"logs":[`)
		}
		for i, line := range lines[start:min(start+size, len(lines))] {
			if i > 0 {
				if format == "json" {
					b.WriteByte(',')
				} else {
					b.WriteByte('\n')
				}
			}
			b.Write(line)
		}
		if format == "json" {
			b.WriteString(`]}`)
		}
		body := b.Bytes()
		if gz {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			if _, err := w.Write(body); err != nil {
				return nil, err
			}
			if err := w.Close(); err != nil {
				return nil, err
			}
			body = z.Bytes()
		}
		bodies = append(bodies, body)
	}
	return bodies, nil
}

// client sends requests with the run's headers and records errors.
type client struct {
	base    string
	http    *http.Client
	headers map[string]string

	mu      sync.Mutex
	samples []string
}

func newClient(o *options) *client {
	return &client{
		base:    o.URL,
		http:    &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}, Timeout: time.Minute},
		headers: o.Header.values(),
	}
}

// do sends one request and returns its status and body; a transport error
// is status 0.
func (c *client) do(ctx context.Context, method, path string, body []byte, header map[string]string) (int, []byte) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		c.noteError(err.Error())
		return 0, nil
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			c.noteError(err.Error())
		}
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		c.noteError(fmt.Sprintf("%s %s: HTTP %d %.200s", method, path, resp.StatusCode, raw))
	}
	return resp.StatusCode, raw
}

// noteError keeps the first few error messages for the report.
func (c *client) noteError(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.samples) < 5 {
		c.samples = append(c.samples, msg)
	}
}

func (c *client) errorSamples() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.samples...)
}

// storedCount is the number of records the store holds (search total_count).
func (c *client) storedCount(ctx context.Context) (int64, error) {
	status, raw := c.do(ctx, http.MethodGet, "/logs/search?limit=1&exact_count=true", nil, nil)
	if status != http.StatusOK {
		return 0, fmt.Errorf("GET /logs/search answered %d: %.200s", status, raw)
	}
	var res struct {
		TotalCount int64 `json:"total_count"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return 0, fmt.Errorf("GET /logs/search: %w", err)
	}
	return res.TotalCount, nil
}

// runBatchIngest sends the bodies from o.Clients clients, paced to o.Rate
// entries/s when set, then waits until the store counts them.
func runBatchIngest(ctx context.Context, o *options, c *client, cp *corpus, p *progress) (*BatchResult, error) {
	bodies, err := batchBodies(cp.lines, o.Batch, o.Format, o.Gzip)
	if err != nil {
		return nil, err
	}
	header := map[string]string{"Content-Type": "application/json"}
	if o.Format == "ndjson" {
		header["Content-Type"] = "application/x-ndjson"
	}
	if o.Gzip {
		header["Content-Encoding"] = "gzip"
	}
	var baseline int64
	if o.WaitStored > 0 {
		if baseline, err = c.storedCount(ctx); err != nil {
			return nil, fmt.Errorf("before ingest: %w", err)
		}
	}

	res := &BatchResult{Logs: len(cp.lines), Batches: len(bodies), BatchSize: o.Batch, Clients: o.Clients,
		Format: o.Format, Gzip: o.Gzip, RawBytes: cp.rawBytes}
	var (
		next      atomic.Int64
		sent      atomic.Int64
		failed    atomic.Int64
		accepted  atomic.Int64
		latencies latencyLog
		wg        sync.WaitGroup
	)
	p.phase("batch ingest")
	start := time.Now()
	stopProgress := p.every(func() string {
		n := sent.Load()
		return fmt.Sprintf("batch ingest: %d/%d logs acknowledged, %.0f logs/s", n, len(cp.lines), float64(n)/time.Since(start).Seconds())
	})
	for range o.Clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				n := min(o.Batch, len(cp.lines)-i*o.Batch)
				if o.Rate > 0 {
					// Open loop: batch i is due when the rate has produced its first entry.
					due := start.Add(time.Duration(float64(i*o.Batch) / o.Rate * float64(time.Second)))
					if wait := time.Until(due); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							return
						}
					}
				}
				t0 := time.Now()
				status, raw := c.do(ctx, http.MethodPost, o.IngestPath, bodies[i], header)
				took := time.Since(t0)
				if status < 200 || status > 299 {
					failed.Add(1)
					continue
				}
				var answer struct {
					Accepted *int64 `json:"accepted"`
				}
				if json.Unmarshal(raw, &answer) == nil && answer.Accepted != nil {
					accepted.Add(*answer.Accepted)
				} else {
					accepted.Add(int64(n))
				}
				sent.Add(int64(n))
				latencies.add(took)
			}
		})
	}
	wg.Wait()
	stopProgress()
	ackedAfter := time.Since(start)
	res.Errors = int(failed.Load())
	res.Accepted = accepted.Load()
	res.AckedSeconds = ackedAfter.Seconds()
	res.AckedLogsPerSec = float64(sent.Load()) / ackedAfter.Seconds()
	res.Latency = latencies.summary()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("batch ingest stopped: %w", err)
	}

	if o.WaitStored == 0 {
		return res, nil
	}
	// Stored: the store counts every accepted entry.
	p.phase("waiting until searchable")
	want := baseline + res.Accepted
	deadline := time.Now().Add(o.WaitStored)
	for {
		n, err := c.storedCount(ctx)
		if err == nil && n >= want {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return res, fmt.Errorf("the store counts %d of %d entries %s after the last acknowledgement", n-baseline, res.Accepted, o.WaitStored)
		}
		p.update(fmt.Sprintf("waiting until searchable: %d/%d", n-baseline, res.Accepted))
		// An exact count over the whole store costs the server CPU it
		// would spend storing: poll once a second while much is left.
		if err == nil && n-baseline < res.Accepted*7/10 {
			time.Sleep(time.Second)
		} else {
			time.Sleep(250 * time.Millisecond)
		}
	}
	storedAfter := time.Since(start)
	res.Stored = true
	res.StoredSeconds = storedAfter.Seconds()
	res.StoredLogsPerSec = float64(res.Accepted) / storedAfter.Seconds()
	return res, nil
}

// runSingleIngest sends one entry per POST /logs/ingest at a fixed rate (open
// loop: a request leaves on schedule whether or not earlier ones were
// answered, so a slow server shows in the latency, not in a lower rate).
func runSingleIngest(ctx context.Context, o *options, c *client, p *progress) *SingleResult {
	n := int(o.SingleRate * o.SingleFor.Seconds())
	g := workload.New(o.Seed+1, time.Now(), time.Minute)
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i], _ = json.Marshal(g.Entry(i, n))
	}
	header := map[string]string{"Content-Type": "application/json"}
	res := &SingleResult{Requests: n, Rate: o.SingleRate}
	var (
		latencies latencyLog
		failed    atomic.Int64
		wg        sync.WaitGroup
		inFlight  = make(chan struct{}, 2000)
	)
	p.phase("single ingest")
	start := time.Now()
	interval := time.Duration(float64(time.Second) / o.SingleRate)
send:
	for i := range n {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case inFlight <- struct{}{}:
		case <-ctx.Done():
			// No slot was taken: a request started now would wait forever
			// to give one back.
			break send
		}
		wg.Go(func() {
			defer func() { <-inFlight }()
			t0 := time.Now()
			status, _ := c.do(ctx, http.MethodPost, "/logs/ingest", bodies[i], header)
			took := time.Since(t0)
			if status != http.StatusOK {
				failed.Add(1)
				return
			}
			latencies.add(took)
		})
		if i%100 == 0 {
			p.update(fmt.Sprintf("single ingest: %d/%d requests", i, n))
		}
	}
	sending := time.Since(start)
	wg.Wait()
	res.Errors = int(failed.Load())
	res.Latency = latencies.summary()
	res.AchievedRate = float64(res.Latency.Count+res.Errors) / sending.Seconds()
	return res
}
