package searchapi

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTailStaysOpenWhileIdle: a tail with nothing to send keeps its stream
// open past the write timeout, its keepalives pushing the deadline on.
func TestTailStaysOpenWhileIdle(t *testing.T) {
	// Restored after the server has stopped (cleanups run last registered
	// first): its handlers read it.
	saved := tailWriteTimeout
	t.Cleanup(func() { tailWriteTimeout = saved })
	tailWriteTimeout = 1500 * time.Millisecond
	_, base := startWithStore(t)

	resp, err := http.Get(base + "/logs/tail?query=nothing-matches-this")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	lines, stopped := make(chan string), make(chan struct{})
	defer close(stopped) // before the body closes: the reader then ends
	go func() {
		defer close(lines)
		scanner := bufio.NewScanner(resp.Body)
		for scanner.Scan() {
			select {
			case lines <- scanner.Text():
			case <-stopped:
				return
			}
		}
	}()
	keepalives := 0
	deadline := time.After(4 * time.Second) // over twice the write timeout
	for {
		select {
		case line, open := <-lines:
			require.True(t, open, "the stream closed after %d keepalives", keepalives)
			if strings.HasPrefix(line, ": keepalive") {
				keepalives++
			}
			continue
		case <-deadline:
		}
		break
	}
	assert.GreaterOrEqual(t, keepalives, 3)
}
