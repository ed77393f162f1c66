package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKill9LosesNothingAcknowledged ingests from concurrent clients, kills
// the collector with SIGKILL mid-stream, restarts it on the same data
// directory, and finds every acknowledged entry by search. Three rounds:
// restarting after an unclean stop must never fail. The last start lowers
// queue_shards from 4 to 1 (a build that left the removed queues unread
// lost 34,087 of 45,607 entries here).
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	dataDir := t.TempDir()
	const (
		clients       = 8
		singleClients = 8
		batchSize     = 250
		rounds        = 3
		// Kill once this many entries were acknowledged in a round.
		killAfter = 15_000
	)
	acked := map[string]bool{}
	var (
		ackedMu     sync.Mutex
		singleAcked atomic.Int64
	)

	for round := range rounds {
		c := startCollector(t, dataDir)
		var (
			roundAcked atomic.Int64
			stop       atomic.Bool
			wg         sync.WaitGroup
		)
		httpClient := &http.Client{Timeout: 30 * time.Second}
		for client := range clients {
			wg.Go(func() {
				postDurabilityBatches(c, httpClient, round, client, batchSize, &stop, func(tokens []string) {
					ackedMu.Lock()
					for _, tok := range tokens {
						acked[tok] = true
					}
					ackedMu.Unlock()
					roundAcked.Add(batchSize)
				})
			})
		}
		// Single entries too: concurrent ones reach the pipeline in groups.
		for client := range singleClients {
			wg.Go(func() {
				for seq := 0; !stop.Load(); seq++ {
					tok := fmt.Sprintf("r%dsingle%ds%d", round, client, seq)
					body := fmt.Sprintf(`{"level":"WARNING","message":"durability %s single entry","source":"durability-single-%d","service":"durability-svc"}`, tok, client)
					resp, err := httpClient.Post(c.url("/logs/ingest"), "application/json", strings.NewReader(body))
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						ackedMu.Lock()
						acked[tok] = true
						ackedMu.Unlock()
						singleAcked.Add(1)
					}
				}
			})
		}
		deadline := time.Now().Add(2 * time.Minute)
		for roundAcked.Load() < killAfter && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		require.GreaterOrEqual(t, roundAcked.Load(), int64(killAfter), "ingest too slow; log:\n%s", c.log())
		c.kill9()
		stop.Store(true)
		wg.Wait()
		t.Logf("round %d: %d entries acknowledged before kill -9", round, roundAcked.Load())
	}

	// Restart once more, with one queue instead of four: the three removed
	// queues were killed holding requests, and must deliver them too. The
	// queues drain into the store in the background, so look until every
	// acknowledged entry is found or a minute passes. Replays may store an
	// entry twice (at-least-once).
	c := startCollectorWith(t, dataDir, oneQueueConfig(t))
	want := len(acked)
	require.Positive(t, singleAcked.Load(), "single entries were acknowledged")
	missing, stored := c.missingTokens(t, acked, time.Minute)
	t.Logf("%d acknowledged entries over %d kill -9 rounds; %d distinct stored; %d missing", want, rounds, stored, len(missing))
	assert.Empty(t, missing, "%d of %d acknowledged entries were lost; log:\n%s", len(missing), want, c.log())
	assert.Contains(t, c.logsOfEveryStart(t), "A queue of a larger queue_shards holds requests", "the removed queues were started")
	// And every record still names its own pattern: none became durable
	// without the row that gives its pattern's number in the store (each
	// round's batches have a message of their own, so a number the store
	// forgot would be given to another round's pattern after a restart).
	wrong, records := c.recordsNotDescribedByTheirPattern(t, url.Values{"query": {"durability"}, "limit": {"1000"}})
	assert.Positive(t, records)
	assert.Empty(t, wrong, "%d of %d records show a pattern that is not theirs", len(wrong), records)
}

// recordsNotDescribedByTheirPattern pages through a search and returns the
// records (id: message, pattern) without a pattern id or template, or whose
// template does not describe their message; and how many records it read.
func (c *collector) recordsNotDescribedByTheirPattern(t testing.TB, params url.Values) ([]string, int) {
	var wrong []string
	records := 0
	for {
		res := c.search(t, params)
		for _, l := range res.Logs {
			records++
			if l.PatternID == nil || l.Pattern == nil || !templateDescribes(*l.Pattern, l.Message) {
				wrong = append(wrong, fmt.Sprintf("%s: %q, pattern %v", l.ID, l.Message, l.Pattern))
			}
		}
		if res.NextCursor == nil {
			return wrong, records
		}
		params.Set("cursor", *res.NextCursor)
	}
}

// templateDescribes reports whether template has message's words: as many,
// and the same wherever the template has no variable.
func templateDescribes(template, message string) bool {
	tw, mw := strings.Fields(template), strings.Fields(message)
	if len(tw) != len(mw) {
		return false
	}
	for i := range tw {
		if !strings.Contains(tw[i], "<*>") && tw[i] != mw[i] {
			return false
		}
	}
	return true
}

// oneQueueConfig is the default config with queue_shards lowered to 1.
func oneQueueConfig(t *testing.T) string {
	return defaultConfigWith(t, "one-queue.yaml", map[string]string{"    queue_shards: 4\n": "    queue_shards: 1\n"})
}

// postDurabilityBatches posts durabilityBatch batches of n entries as one
// client until stop is set or the collector is gone, and passes the tokens
// of every batch accepted whole to acked.
func postDurabilityBatches(c *collector, httpClient *http.Client, round, client, n int, stop *atomic.Bool, acked func(tokens []string)) {
	for seq := 0; !stop.Load(); seq++ {
		tokens, body := durabilityBatch(round, client, seq, n)
		resp, err := httpClient.Post(c.url("/logs/batch-ingest"), "application/json", bytes.NewReader(body))
		if err != nil {
			return // the collector was killed
		}
		var r struct {
			Accepted int `json:"accepted"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && r.Accepted == n {
			acked(tokens)
		}
	}
}

// missingTokens searches the durability entries until every token of acked
// is found or timeout passes (the queue drains into the store in the
// background), and returns the tokens never found and how many distinct
// tokens were.
func (c *collector) missingTokens(t testing.TB, acked map[string]bool, timeout time.Duration) ([]string, int) {
	var missing []string
	deadline := time.Now().Add(timeout)
	for {
		found := c.allTokens(t, url.Values{"query": {"durability"}, "limit": {"1000"}})
		missing = missing[:0]
		for tok := range acked {
			if !found[tok] {
				missing = append(missing, tok)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			return missing, len(found)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// allTokens pages through a search with the cursor and returns the second
// word of every message.
func (c *collector) allTokens(t testing.TB, params url.Values) map[string]bool {
	found := map[string]bool{}
	for {
		res := c.search(t, params)
		for _, l := range res.Logs {
			if words := strings.Fields(l.Message); len(words) > 1 {
				found[words[1]] = true
			}
		}
		if res.NextCursor == nil {
			return found
		}
		params.Set("cursor", *res.NextCursor)
	}
}

// durabilityEvents are the batches' messages by round, of different lengths:
// a pattern each.
var durabilityEvents = []string{"payment processed in", "refund issued to the customer after", "invoice sent"}

// durabilityBatch returns a batch whose every message carries a unique token.
func durabilityBatch(round, client, seq, n int) ([]string, []byte) {
	tokens := make([]string, n)
	var b strings.Builder
	b.WriteString(`{"batch_id":"durability","logs":[`)
	for i := range n {
		tokens[i] = fmt.Sprintf("r%dc%ds%de%d", round, client, seq, i)
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"level":"INFO","message":"durability %s %s %dms","source":"durability-host-%d","service":"durability-svc"}`,
			tokens[i], durabilityEvents[round%len(durabilityEvents)], (seq*n+i)%997, client)
	}
	b.WriteString(`]}`)
	return tokens, []byte(b.String())
}
