// Package e2e tests the built otelcol-paylog binary over real HTTP: the
// default collector config, a temporary data directory and free ports.
package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binary is the collector under test: $PAYLOG_BINARY (make test sets it), or
// one built by TestMain.
var binary string

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	binary = os.Getenv("PAYLOG_BINARY")
	if binary == "" {
		dir, err := os.MkdirTemp("", "paylog-e2e-bin")
		if err != nil {
			panic(err)
		}
		binary = filepath.Join(dir, "otelcol-paylog")
		build := exec.Command("go", "build", "-o", binary, "./cmd/otelcol-paylog")
		build.Dir = repoRoot()
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building the collector failed:", err)
			os.Exit(1)
		}
		code := m.Run()
		_ = os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// collector is one running otelcol-paylog on the default config.
type collector struct {
	t        testing.TB
	dataDir  string
	endpoint string // host:port of the API
	otlpHTTP string
	// telemetry is host:port of the collector's own Prometheus metrics.
	telemetry string
	cmd       *exec.Cmd
	logFile   *os.File
	exited    chan struct{}
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// startCollector runs the binary on collector-config.yaml with its data in
// dataDir and waits until /health answers 200.
func startCollector(t testing.TB, dataDir string) *collector {
	t.Helper()
	config := filepath.Join(repoRoot(), "collector-config.yaml")
	if alt := os.Getenv("PAYLOG_E2E_CONFIG"); alt != "" {
		config = alt // to measure a variant of the default config
	}
	return startCollectorWith(t, dataDir, config)
}

// defaultConfigWith writes collector-config.yaml with each key of edits
// (which must occur once) replaced by its value, and returns the file's path.
func defaultConfigWith(t *testing.T, name string, edits map[string]string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(), "collector-config.yaml"))
	require.NoError(t, err)
	config := string(raw)
	for old, replacement := range edits {
		require.Equal(t, 1, strings.Count(config, old), "collector-config.yaml changed: %q", old)
		config = strings.Replace(config, old, replacement, 1)
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(config), 0o644))
	return path
}

// startCollectorWith runs the binary on config with env added to the
// environment, and waits until /health answers 200.
func startCollectorWith(t testing.TB, dataDir, config string, env ...string) *collector {
	t.Helper()
	return startCollectorUntil(t, dataDir, config, "/health", http.StatusOK, env...)
}

// startCollectorUntil runs the binary on config and waits until GET
// readyPath answers readyStatus (configs without searchapi have no /health).
func startCollectorUntil(t testing.TB, dataDir, config, readyPath string, readyStatus int, env ...string) *collector {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: starts the collector binary")
	}
	// freePort's ports are free when it returns, not when the collector
	// binds them: another process may take one in between. Then the
	// collector exits at start, and it is started again on other ports.
	for attempt := 1; ; attempt++ {
		c, portTaken := tryStartCollector(t, dataDir, config, readyPath, readyStatus, env...)
		if !portTaken {
			return c
		}
		if attempt == 3 {
			t.Fatalf("collector could not bind its ports in 3 attempts; log:\n%s", c.log())
		}
		t.Logf("collector start %d: a port was taken meanwhile; starting again on other ports", attempt)
	}
}

// logsOfEveryStart is the logs of every collector started on c's data
// directory so far: a start that found a port taken has already done what
// the next one then does not log again (imports, queues started). With
// PAYLOG_E2E_LOG_DIR set the directory is shared: every test's logs.
func (c *collector) logsOfEveryStart(t testing.TB) string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(filepath.Dir(c.logFile.Name()), "collector-*.log"))
	require.NoError(t, err)
	var all strings.Builder
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		all.Write(raw)
	}
	return all.String()
}

// tryStartCollector starts the collector once; portTaken reports that it
// exited at start because one of its ports was in use.
func tryStartCollector(t testing.TB, dataDir, config, readyPath string, readyStatus int, env ...string) (c *collector, portTaken bool) {
	t.Helper()
	c = &collector{t: t, dataDir: dataDir, endpoint: freePort(t), otlpHTTP: freePort(t), exited: make(chan struct{})}
	logDir := dataDir
	if dir := os.Getenv("PAYLOG_E2E_LOG_DIR"); dir != "" {
		logDir = dir // keep collector logs after the test
	}
	logPath := filepath.Join(logDir, fmt.Sprintf("collector-%d.log", time.Now().UnixNano()))
	require.NoError(t, os.MkdirAll(dataDir, 0o755))
	f, err := os.Create(logPath)
	require.NoError(t, err)
	c.logFile = f
	c.telemetry = freePort(t)
	_, telemetryPort, _ := net.SplitHostPort(c.telemetry)
	// config may name overlays after the main file, comma-separated.
	var args []string
	for _, file := range strings.Split(config, ",") {
		args = append(args, "--config", file)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(),
		"PAYLOG_DATA_DIR="+dataDir,
		"PAYLOG_ENDPOINT="+c.endpoint,
		"PAYLOG_OTLP_GRPC_ENDPOINT="+freePort(t),
		"PAYLOG_OTLP_HTTP_ENDPOINT="+c.otlpHTTP,
		"PAYLOG_TELEMETRY_PORT="+telemetryPort,
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	c.cmd = cmd
	go func() {
		_ = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(c.stop)

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-c.exited:
			if strings.Contains(c.log(), "address already in use") {
				return c, true
			}
			t.Fatalf("collector exited during start; log:\n%s", c.log())
		default:
		}
		resp, err := http.Get(c.url(readyPath))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == readyStatus {
				return c, false
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector not healthy after 60s; log:\n%s", c.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *collector) url(path string) string { return "http://" + c.endpoint + path }

func (c *collector) log() string {
	b, _ := os.ReadFile(c.logFile.Name())
	if len(b) > 20000 {
		b = b[len(b)-20000:]
	}
	return string(b)
}

// cpuTime is the CPU time the collector process has used, all threads
// (utime + stime of /proc/<pid>/stat, in clock ticks of 10 ms).
func (c *collector) cpuTime(t testing.TB) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	require.NoError(t, err)
	// Fields after the command name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	require.NoError(t, err)
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	require.NoError(t, err)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// kill9 kills the collector with SIGKILL: no shutdown, no flush.
func (c *collector) kill9() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
}

// stop shuts the collector down gracefully (SIGTERM), killing it after 30s.
func (c *collector) stop() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		c.kill9()
	}
	_ = c.logFile.Close()
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (c *collector) do(t testing.TB, method, path, contentType string, body []byte, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, c.url(path), bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (c *collector) postJSON(t testing.TB, path, body string) response {
	return c.do(t, http.MethodPost, path, "application/json", []byte(body), nil)
}

// searchResult is GET /logs/search's body.
type searchResult struct {
	Logs []struct {
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
	} `json:"logs"`
	TotalCount int     `json:"total_count"`
	TotalExact bool    `json:"total_count_exact"`
	TookMS     float64 `json:"took_ms"`
	NextCursor *string `json:"next_cursor"`
}

func (c *collector) search(t testing.TB, params url.Values) searchResult {
	t.Helper()
	resp, err := http.Get(c.url("/logs/search?" + params.Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "search %v: %s", params, raw)
	var res searchResult
	require.NoError(t, json.Unmarshal(raw, &res))
	return res
}

// waitForCount polls the search until it counts at least want matches.
func (c *collector) waitForCount(t testing.TB, params url.Values, want int, timeout time.Duration) searchResult {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		res := c.search(t, params)
		// The count and the page are two queries at once: a record stored
		// between them is in the count only.
		if res.TotalCount >= want && len(res.Logs) >= min(want, pageLimit(params)) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("search %v counted %d, want %d, after %s", params, res.TotalCount, want, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pageLimit is the page size a search with params asks for.
func pageLimit(params url.Values) int {
	if n, err := strconv.Atoi(params.Get("limit")); err == nil {
		return n
	}
	return 100 // the API's default
}

// storedRows reads paylog_store_rows from /metrics: a cheap count of the
// rows in the store, duplicates included.
func (c *collector) storedRows(t testing.TB) int {
	t.Helper()
	return int(c.metric(t, "paylog_store_rows"))
}

// metric reads the value of an unlabelled metric from /metrics.
func (c *collector) metric(t testing.TB, name string) float64 {
	t.Helper()
	v, err := c.readMetric(name)
	require.NoError(t, err)
	return v
}

// readMetric is metric for callers that must not stop the test, such as
// the conditions of require.Eventually.
func (c *collector) readMetric(name string) (float64, error) {
	resp, err := http.Get(c.url("/metrics"))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /metrics:\n%s", name, raw)
}
