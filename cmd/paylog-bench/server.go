package main

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// serverRSS reads the server's resident memory: from /proc when its pid is
// given, else from the collector's own metrics (otelcol_process_memory_rss).
func serverRSS(ctx context.Context, o *options) (int64, string, error) {
	if o.PID > 0 {
		f, err := os.Open(fmt.Sprintf("/proc/%d/status", o.PID))
		if err != nil {
			return 0, "", err
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				return kb << 10, "proc", err
			}
		}
		return 0, "", fmt.Errorf("no VmRSS in /proc/%d/status", o.PID)
	}
	if o.TelemetryURL == "" {
		return 0, "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.TelemetryURL, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	s := bufio.NewScanner(resp.Body)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		line := s.Text()
		if !strings.HasPrefix(line, "otelcol_process_memory_rss") {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		return int64(v), "telemetry", err
	}
	return 0, "", fmt.Errorf("no otelcol_process_memory_rss in %s", o.TelemetryURL)
}

// dirSize is the size of the files under dir.
func dirSize(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // a file the server removed meanwhile
			}
			return err
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total, err
}
