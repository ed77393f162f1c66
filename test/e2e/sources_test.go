package e2e

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFileAndSyslogSearchable runs config/files-and-syslog.yaml: lines
// appended to a tailed file (a LogEntry as JSON, plain text) and RFC 5424
// messages sent over TCP come back from /logs/search with their service,
// source and level; after a restart the file is read on from where it was
// left, nothing twice.
func TestFileAndSyslogSearchable(t *testing.T) {
	dataDir, logDir := t.TempDir(), t.TempDir()
	config := filepath.Join(repoRoot(), "config", "files-and-syslog.yaml")
	syslogAddr := freePort(t)
	env := []string{
		"PAYLOG_FILELOG_INCLUDE=" + filepath.Join(logDir, "*.log"),
		"PAYLOG_FILELOG_SERVICE=plain-files",
		"PAYLOG_SYSLOG_ENDPOINT=" + syslogAddr,
	}
	c := startCollectorWith(t, dataDir, config, env...)
	run := fmt.Sprintf("r%d", time.Now().UnixNano())
	logFile := filepath.Join(logDir, "app.log")

	appendLines(t, logFile,
		fmt.Sprintf(`{"timestamp":"2026-11-28T07:00:00.123456Z","level":"error","message":"payment declined %s-json","service":"billing","source":"web-1","trace_id":"0123456789abcdef0123456789abcdef","span_id":"0123456789abcdef","metadata":{"order":42,"user":{"id":"u1"}}}`, run),
		fmt.Sprintf(`2026-11-28 07:00:01 WARN disk almost full %s-text`, run),
		fmt.Sprintf(`no level word here %s-bare`, run),
	)
	sendSyslog(t, syslogAddr,
		fmt.Sprintf(`<10>1 2026-11-28T07:01:00.000Z db-host postgres 123 ID47 - connection pool exhausted %s-crit`, run),
		fmt.Sprintf(`<11>1 2026-11-28T07:01:01.000Z db-host postgres 123 - - could not write block %s-err`, run),
		fmt.Sprintf(`<14>1 2026-11-28T07:01:02.000Z db-host postgres 123 - - checkpoint complete %s-info`, run),
	)

	type want struct{ service, source, level string }
	expect := map[string]want{
		"json": {"billing", "web-1", "ERROR"},
		"text": {"plain-files", "", "WARNING"},
		"bare": {"plain-files", "", "INFO"},
		"crit": {"postgres", "db-host", "CRITICAL"},
		"err":  {"postgres", "db-host", "ERROR"},
		"info": {"postgres", "db-host", "INFO"},
	}
	for suffix, w := range expect {
		res := c.waitForCount(t, url.Values{"query": {`"` + run + "-" + suffix + `"`}, "start_time": {"now-30d"}}, 1, 30*time.Second)
		require.Equal(t, 1, res.TotalCount, suffix)
		got := res.Logs[0]
		require.NotNil(t, got.Service, suffix)
		assert.Equal(t, w.service, *got.Service, suffix)
		assert.Equal(t, w.source, got.Source, suffix)
		assert.Equal(t, w.level, got.Level, suffix)
	}

	// The JSON line keeps its timestamp, trace context and metadata.
	res := c.search(t, url.Values{"query": {`"` + run + `-json"`}, "start_time": {"now-30d"}})
	entry := res.Logs[0]
	assert.Equal(t, time.Date(2026, 11, 28, 7, 0, 0, 123456000, time.UTC), entry.Timestamp.UTC())
	assert.Equal(t, "payment declined "+run+"-json", entry.Message)
	require.NotNil(t, entry.TraceID)
	assert.Equal(t, "0123456789abcdef0123456789abcdef", *entry.TraceID)
	assert.Equal(t, float64(42), entry.Metadata["order"])
	assert.Equal(t, map[string]any{"id": "u1"}, entry.Metadata["user"])
	assert.Equal(t, "app.log", entry.Metadata["log.file.name"])
	// Syslog keeps the sender's time and message id.
	res = c.search(t, url.Values{"query": {`"` + run + `-crit"`}, "start_time": {"now-30d"}})
	assert.Equal(t, time.Date(2026, 11, 28, 7, 1, 0, 0, time.UTC), res.Logs[0].Timestamp.UTC())
	assert.Equal(t, "connection pool exhausted "+run+"-crit", res.Logs[0].Message)
	assert.Equal(t, "ID47", res.Logs[0].Metadata["msg_id"])

	// A restart resumes the file at its saved offset: the new line is read,
	// the old ones are not read again.
	c.stop()
	c = startCollectorWith(t, dataDir, config, env...)
	appendLines(t, logFile, fmt.Sprintf(`ERROR after restart %s-restart`, run))
	c.waitForCount(t, url.Values{"query": {`"` + run + `-restart"`}, "start_time": {"now-30d"}}, 1, 30*time.Second)
	for suffix := range expect {
		res := c.search(t, url.Values{"query": {`"` + run + "-" + suffix + `"`}, "start_time": {"now-30d"}})
		assert.Equal(t, 1, res.TotalCount, "%s stored more than once after the restart", suffix)
	}
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer f.Close()
	for _, line := range lines {
		_, err := f.WriteString(line + "\n")
		require.NoError(t, err)
	}
}

// sendSyslog writes newline-framed syslog messages over one TCP connection.
func sendSyslog(t *testing.T, addr string, messages ...string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	for _, m := range messages {
		_, err := conn.Write([]byte(m + "\n"))
		require.NoError(t, err)
	}
}
