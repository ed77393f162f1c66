package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// run runs the phases the options ask for and returns what it measured, also
// when a phase fails.
func run(ctx context.Context, o *options, p *progress) (*Report, error) {
	r := &Report{URL: o.URL, Started: time.Now().UTC()}
	c := newClient(o)
	p.phase("preparing entries")
	cp, err := loadCorpus(o)
	if err != nil {
		return nil, err
	}
	defer func() { r.ErrorSamples = c.errorSamples() }()
	if len(cp.lines) > 0 {
		if r.BatchIngest, err = runBatchIngest(ctx, o, c, cp, p); err != nil {
			return r, err
		}
	}
	if o.SingleRate > 0 && o.SingleFor > 0 {
		r.Single = runSingleIngest(ctx, o, c, p)
	}
	if o.Searches > 0 {
		r.Searches = runSearches(ctx, o, c, cp, p)
	}
	rss, source, err := serverRSS(ctx, o)
	if err != nil {
		r.Server.Notes = append(r.Server.Notes, "RSS not read: "+err.Error())
	}
	r.Server.RSSBytes, r.Server.RSSSource = rss, source
	if o.DataDir != "" {
		size, err := dirSize(o.DataDir)
		if err != nil {
			r.Server.Notes = append(r.Server.Notes, "data size not read: "+err.Error())
		}
		r.Server.DataBytes = size
		if cp.rawBytes > 0 {
			r.Server.DataToRaw = float64(size) / float64(cp.rawBytes)
		}
		if o.Settle > 0 && err == nil {
			p.phase("data directory settling...")
			settled, waited := settledDirSize(ctx, o.DataDir, size, o.Settle)
			r.Server.SettledDataBytes, r.Server.SettledAfterSec = settled, waited.Seconds()
			if cp.rawBytes > 0 {
				r.Server.SettledDataToRaw = float64(settled) / float64(cp.rawBytes)
			}
		}
	}
	return r, ctx.Err()
}

// settleQuiet is how long the data directory must not shrink to count as
// settled.
const settleQuiet = 10 * time.Second

// settledDirSize polls dir until its size has not fallen for settleQuiet,
// or for at most bound: the store's merges write new parts before they
// delete the ones they replace, so right after a burst the directory holds
// both.
func settledDirSize(ctx context.Context, dir string, size int64, bound time.Duration) (int64, time.Duration) {
	start := time.Now()
	lowest, lowestAt := size, start
	for time.Since(start) < bound && time.Since(lowestAt) < settleQuiet {
		select {
		case <-ctx.Done():
			return lowest, lowestAt.Sub(start)
		case <-time.After(time.Second):
		}
		if s, err := dirSize(dir); err == nil && s < lowest {
			lowest, lowestAt = s, time.Now()
		}
	}
	return lowest, lowestAt.Sub(start)
}

// progress prints what the run is doing on a terminal (one line, rewritten)
// and the phases only otherwise.
type progress struct {
	mu       sync.Mutex
	out      *os.File
	terminal bool
	last     string
}

func newProgress(out *os.File) *progress {
	info, err := out.Stat()
	return &progress{out: out, terminal: err == nil && info.Mode()&os.ModeCharDevice != 0}
}

func (p *progress) phase(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		p.write(name + "...")
		return
	}
	fmt.Fprintln(p.out, name+"...")
}

func (p *progress) update(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		p.write(line)
	}
}

func (p *progress) write(line string) {
	pad := ""
	if n := len(p.last) - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprint(p.out, "\r"+line+pad)
	p.last = line
}

// every updates the line with status() twice a second until the returned
// func is called.
func (p *progress) every(status func() string) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.update(status())
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.last != "" {
		fmt.Fprint(p.out, "\r"+strings.Repeat(" ", len(p.last))+"\r")
	}
}

// headerFlags collects -H "Name: value" flags.
type headerFlags []string

func (h *headerFlags) String() string { return strings.Join(*h, ", ") }

func (h *headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf(`want "Name: value", got %q`, v)
	}
	*h = append(*h, strings.TrimSpace(name)+":"+strings.TrimSpace(value))
	return nil
}

func (h headerFlags) values() map[string]string {
	m := map[string]string{}
	for _, kv := range h {
		name, value, _ := strings.Cut(kv, ":")
		m[name] = value
	}
	return m
}
