// Package testredis starts a real redis-server for tests: on a free port, in
// a temporary directory, with the append-only file on, stopped at cleanup.
// Tests need redis-server on PATH (.ci/run installs it from Debian); without
// it they fail, never skip.
package testredis // import "github.com/paylog/paylog/internal/testredis"

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Server is one redis-server process.
type Server struct {
	// Addr is host:port.
	Addr  string
	dir   string
	port  int
	extra []string
	cmd   *exec.Cmd
}

// Start starts a redis-server with AOF (appendfsync always) and registers
// its stop with t.Cleanup. extra are more redis-server options
// ("--requirepass", "s3cret").
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	return start(t, false, extra)
}

// StartTLS starts a redis-server that serves only TLS, with the given
// certificate and key; clients need not present certificates.
func StartTLS(t testing.TB, certFile, keyFile, caFile string) *Server {
	t.Helper()
	return start(t, true, []string{"--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--tls-ca-cert-file", caFile, "--tls-auth-clients", "no"})
}

func start(t testing.TB, tls bool, extra []string) *Server {
	t.Helper()
	s := &Server{dir: t.TempDir(), port: freePort(t), extra: extra}
	if tls {
		s.extra = append([]string{"--tls-port", strconv.Itoa(s.port)}, s.extra...)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	s.Restart(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Restart starts the server again on the same port and data directory
// (after Stop or Kill).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed (apt-get install -y redis-server): %v", err)
	}
	port := strconv.Itoa(s.port)
	if slices.Contains(s.extra, "--tls-port") {
		port = "0" // TLS only
	}
	args := append([]string{
		"--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "",
		"--protected-mode", "no", "--daemonize", "no", "--logfile", filepath.Join(s.dir, "redis.log")}, s.extra...)
	s.cmd = exec.Command(bin, args...)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			t.Fatalf("redis-server did not listen on %s within 10s; log:\n%s", s.Addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server (SIGTERM: Redis finishes writing its AOF).
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Kill kills the server with SIGKILL.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// String is the address, for messages.
func (s *Server) String() string { return fmt.Sprintf("redis-server at %s", s.Addr) }
