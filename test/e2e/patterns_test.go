package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type patternSummary struct {
	Pattern   string    `json:"pattern"`
	PatternID string    `json:"pattern_id"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Services  []string  `json:"services"`
	Sample    string    `json:"sample"`
}

func (c *collector) patterns(t testing.TB, params url.Values) []patternSummary {
	t.Helper()
	r := c.do(t, http.MethodGet, "/logs/patterns?"+params.Encode(), "", nil, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	var out []patternSummary
	require.NoError(t, json.Unmarshal(r.raw, &out))
	return out
}

// TestPatternsEndToEnd ingests through /logs/batch-ingest, finds pattern ids
// and templates on search results, checks /logs/patterns counts, services and
// times, and that ids are the same after a restart.
func TestPatternsEndToEnd(t *testing.T) {
	dataDir := t.TempDir()
	c := startCollector(t, dataDir)
	base := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	var b strings.Builder
	b.WriteString(`{"batch_id":"patterns","logs":[`)
	entry := func(i int, level, service, msg string, ts time.Time) {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"timestamp":%q,"level":%q,"service":%q,"source":"host-1","message":%q}`, ts.Format(time.RFC3339Nano), level, service, msg)
	}
	n := 0
	for i := range 30 {
		service := []string{"payment-service", "billing-service"}[i%2]
		entry(n, "ERROR", service, fmt.Sprintf("Payment %d declined: insufficient funds for account acct-%d", 1000+i, i), base.Add(time.Duration(i)*time.Minute))
		n++
	}
	for i := range 12 {
		entry(n, "CRITICAL", "storage-service", fmt.Sprintf("Disk usage at %d%% on volume /data%d", 90+i%10, i%3), base.Add(time.Duration(i)*time.Minute))
		n++
	}
	for i := range 20 {
		entry(n, "INFO", "user-service", fmt.Sprintf("User %d logged in from 10.0.%d.%d", i, i, i+1), base.Add(time.Duration(i)*time.Minute))
		n++
	}
	b.WriteString(`]}`)
	r := c.postJSON(t, "/logs/batch-ingest", b.String())
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.EqualValues(t, 62, r.body["accepted"])
	c.waitForCount(t, url.Values{}, 62, 10*time.Second)

	res := c.search(t, url.Values{"query": {"declined"}, "limit": {"1"}})
	require.Len(t, res.Logs, 1)
	var raw struct {
		Logs []struct {
			PatternID *string `json:"pattern_id"`
			Pattern   *string `json:"pattern"`
		} `json:"logs"`
	}
	rr := c.do(t, http.MethodGet, "/logs/search?query=declined&limit=30", "", nil, nil)
	require.NoError(t, json.Unmarshal(rr.raw, &raw))
	require.Len(t, raw.Logs, 30)
	paymentID := *raw.Logs[0].PatternID
	for _, l := range raw.Logs {
		require.NotNil(t, l.PatternID)
		assert.Equal(t, paymentID, *l.PatternID, "one pattern for every declined payment")
		assert.Contains(t, *l.Pattern, "Payment <*> declined: insufficient funds for account")
	}
	// The pattern id is searchable.
	assert.Equal(t, 30, c.search(t, url.Values{"query": {"pattern_id:" + paymentID}}).TotalCount)

	got := c.patterns(t, url.Values{"hours": {"24"}})
	require.Len(t, got, 2, "ERROR and CRITICAL only by default: %+v", got)
	assert.Equal(t, paymentID, got[0].PatternID)
	assert.Equal(t, 30, got[0].Count)
	assert.Equal(t, "Payment <*> declined: insufficient funds for account acct-<*>", got[0].Pattern)
	assert.Equal(t, []string{"billing-service", "payment-service"}, got[0].Services)
	assert.Equal(t, base, got[0].FirstSeen)
	assert.Equal(t, base.Add(29*time.Minute), got[0].LastSeen)
	assert.Contains(t, got[0].Sample, "Payment 10")
	assert.Equal(t, 12, got[1].Count)
	assert.Equal(t, []string{"storage-service"}, got[1].Services)

	assert.Len(t, c.patterns(t, url.Values{"hours": {"1"}}), 0, "everything is older than an hour")
	assert.Len(t, c.patterns(t, url.Values{"level": {"INFO"}}), 1)
	assert.Len(t, c.patterns(t, url.Values{"service": {"billing-service"}}), 1)
	assert.Len(t, c.patterns(t, url.Values{"query": {"disk"}}), 1)
	assert.Len(t, c.patterns(t, url.Values{"limit": {"1"}}), 1)
	bad := c.do(t, http.MethodGet, "/logs/patterns?hours=zero", "", nil, nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Equal(t, "hours", bad.body["field"])

	// A pattern whose variable is a word (not masked up front) gets its id
	// from its first message; only saved state can give a later message,
	// after a restart, the same id.
	for _, user := range []string{"alice", "bob"} {
		r = c.postJSON(t, "/logs/ingest", `{"level":"ERROR","source":"h","message":"Login failed for user `+user+` on console"}`)
		require.Equal(t, http.StatusOK, r.status, string(r.raw))
	}
	login := c.waitForCount(t, url.Values{"query": {"login failed"}}, 2, 10*time.Second)
	var loginRaw struct {
		Logs []struct {
			PatternID string `json:"pattern_id"`
		} `json:"logs"`
	}
	require.NoError(t, json.Unmarshal(c.do(t, http.MethodGet, "/logs/search?query=bob", "", nil, nil).raw, &loginRaw))
	require.Len(t, loginRaw.Logs, 1)
	loginID := loginRaw.Logs[0].PatternID
	require.Equal(t, 2, login.TotalCount)

	// After a restart the same messages get the same pattern ids. A new
	// pattern comes first: the store numbers pattern ids in the order it
	// first writes them, and must read the numbers it gave before the
	// restart back, not give them again.
	c.stop()
	c = startCollector(t, dataDir)
	r = c.postJSON(t, "/logs/ingest", `{"level":"ERROR","source":"h","message":"Cache warmup finished in 12 ms for region eu-1"}`)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	c.waitForCount(t, url.Values{"query": {"warmup"}}, 1, 10*time.Second)
	r = c.postJSON(t, "/logs/ingest", `{"level":"ERROR","service":"payment-service","source":"host-2","message":"Payment 77 declined: insufficient funds for account acct-77"}`)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	c.waitForCount(t, url.Values{"query": {"declined"}}, 31, 10*time.Second)
	assert.Equal(t, 31, c.search(t, url.Values{"query": {"pattern_id:" + paymentID}}).TotalCount)
	r = c.postJSON(t, "/logs/ingest", `{"level":"ERROR","source":"h","message":"Login failed for user carol on console"}`)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	c.waitForCount(t, url.Values{"query": {"pattern_id:" + loginID}}, 3, 10*time.Second)
	assert.Equal(t, 3, c.search(t, url.Values{"query": {"pattern_id:" + loginID}}).TotalCount)
	wrong, records := c.recordsNotDescribedByTheirPattern(t, url.Values{"limit": {"1000"}})
	assert.Equal(t, 62+2+3, records)
	assert.Empty(t, wrong, "records whose pattern is not theirs after a restart")
}
