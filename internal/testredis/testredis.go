// Package testredis starts a real redis-server for tests: on a free port, in
// a temporary directory, with the append-only file on, stopped at cleanup.
// Tests need redis-server on PATH (.ci/run installs it from Debian); without
// it they fail, never skip.
package testredis // import "github.com/paylog/paylog/internal/testredis"

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
			s.checkItIsOurs(t)
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

// freePort returns a port free now, below the kernel's range for ephemeral
// ports (32768 and up here): the listeners of other tests, which bind port 0,
// never land on it, so it stays free while a killed server is down.
func freePort(t testing.TB) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatalf("no free port found between 20000 and 32000")
	return 0
}

// String is the address, for messages.
func (s *Server) String() string { return fmt.Sprintf("redis-server at %s", s.Addr) }

// checkItIsOurs fails the test when the server answering on s.Addr is not
// the one just started: with its port taken, this one exits, and the test
// would go on against another test's server and its data.
func (s *Server) checkItIsOurs(t testing.TB) {
	t.Helper()
	if slices.Contains(s.extra, "--tls-port") {
		return // TLS-only: the plain INFO below cannot be sent; such servers are not restarted
	}
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		t.Fatalf("redis-server on %s: %v", s.Addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	commands := "INFO server\r\n"
	if i := slices.Index(s.extra, "--requirepass"); i >= 0 && i+1 < len(s.extra) {
		commands = "AUTH " + s.extra[i+1] + "\r\n" + commands
	}
	if _, err := conn.Write([]byte(commands)); err != nil {
		t.Fatalf("redis-server on %s: %v", s.Addr, err)
	}
	r := bufio.NewReader(conn)
	info, err := r.ReadString('\n')
	for err == nil && !strings.HasPrefix(info, "process_id:") {
		if strings.HasPrefix(info, "-") {
			t.Fatalf("redis-server on %s: %s", s.Addr, strings.TrimSpace(info))
		}
		info, err = r.ReadString('\n')
	}
	if err != nil {
		t.Fatalf("redis-server on %s: reading INFO: %v", s.Addr, err)
	}
	if pid := strings.TrimSpace(strings.TrimPrefix(info, "process_id:")); pid != strconv.Itoa(s.cmd.Process.Pid) {
		t.Fatalf("another process (pid %s) holds %s, where the redis-server just started (pid %d) should listen", pid, s.Addr, s.cmd.Process.Pid)
	}
}
