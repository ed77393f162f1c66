package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	tokenTeamA = "team-a-token-6f1d2c9e8b7a"
	tokenTeamB = "team-b-token-0a9b8c7d6e5f"
)

// TestTenantsAuthAndIsolation runs config/tenants.yaml: without a valid token
// ingest (JSON API and OTLP), search and patterns answer 401; each tenant
// ingests the same kinds of messages, and its searches, counts and patterns
// hold its logs and never the other tenant's, even an OTLP resource that
// names the other tenant.
func TestTenantsAuthAndIsolation(t *testing.T) {
	config := filepath.Join(repoRoot(), "config", "tenants.yaml")
	c := startCollectorUntil(t, t.TempDir(), config, "/health", http.StatusUnauthorized,
		"PAYLOG_TOKEN_TEAM_A="+tokenTeamA, "PAYLOG_TOKEN_TEAM_B="+tokenTeamB)
	bearer := func(token string) map[string]string { return map[string]string{"Authorization": "Bearer " + token} }
	// /health answers 401 as soon as the API listens; with a token it waits
	// for the pipelines (ingest is mounted by a receiver, started later).
	require.Eventually(t, func() bool {
		return c.do(t, http.MethodGet, "/health", "", nil, bearer(tokenTeamA)).status == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "/health with a token never answered 200")
	entry := `{"level":"ERROR","message":"Payment 1 declined","source":"web-1"}`

	// No token, a wrong one, another scheme: 401 in the API's error shape.
	for _, header := range []map[string]string{nil, bearer("not-a-token-of-anyone"), {"Authorization": "Basic " + tokenTeamA}} {
		for _, r := range []response{
			c.do(t, http.MethodPost, "/logs/ingest", "application/json", []byte(entry), header),
			c.do(t, http.MethodPost, "/logs/batch-ingest", "application/json", []byte("["+entry+"]"), header),
			c.do(t, http.MethodGet, "/logs/search?query=payment", "", nil, header),
			c.do(t, http.MethodGet, "/logs/patterns", "", nil, header),
		} {
			require.Equal(t, http.StatusUnauthorized, r.status, "%v: %s", header, r.raw)
			assert.Equal(t, "unauthorized", r.body["error"], "%s", r.raw)
			assert.Equal(t, "Authorization", r.body["field"], "%s", r.raw)
		}
	}
	// A browser without a token gets the sign-in page; its cookie then
	// stands for the token, page loads and API calls alike.
	page := c.do(t, http.MethodGet, "/", "", nil, map[string]string{"Accept": "text/html"})
	require.Equal(t, http.StatusUnauthorized, page.status)
	assert.Contains(t, string(page.raw), "paylog_token=")
	page = c.do(t, http.MethodGet, "/", "", nil, map[string]string{"Accept": "text/html", "Cookie": "paylog_token=" + tokenTeamA})
	require.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, string(page.raw), `<script src="/ui/app.js">`)

	// A token acts for its own tenant only.
	r := c.do(t, http.MethodGet, "/logs/search", "", nil, map[string]string{"Authorization": "Bearer " + tokenTeamA, "X-Scope-OrgID": "team-b"})
	require.Equal(t, http.StatusForbidden, r.status, "%s", r.raw)

	// Both tenants send the same kinds of messages, each with its own marker.
	run := fmt.Sprintf("r%d", time.Now().UnixNano())
	ingest := func(token, marker string, errors, infos int) {
		var entries []string
		for i := range errors {
			entries = append(entries, fmt.Sprintf(`{"level":"ERROR","message":"Payment %d declined for %s","source":"web-1","service":"billing"}`, i, marker))
		}
		for i := range infos {
			entries = append(entries, fmt.Sprintf(`{"level":"INFO","message":"User %d logged in %s","source":"web-2","service":"auth"}`, i, marker))
		}
		r := c.do(t, http.MethodPost, "/logs/batch-ingest", "application/json", []byte("["+strings.Join(entries, ",")+"]"), bearer(token))
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		r = c.do(t, http.MethodPost, "/logs/ingest", "application/json",
			[]byte(fmt.Sprintf(`{"level":"CRITICAL","message":"Disk full on %s","source":"db-1"}`, marker)), bearer(token))
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	}
	markerA, markerB := "alpha"+run, "beta"+run
	ingest(tokenTeamA, markerA, 30, 12)
	ingest(tokenTeamB, markerB, 20, 7)

	// OTLP takes the same tokens: none is 401; team A's logs claiming to be
	// team B's in their resource are stored as team A's.
	otlp := func(token string) response {
		body := fmt.Sprintf(`{"resourceLogs":[{"resource":{"attributes":[
			{"key":"service.name","value":{"stringValue":"billing"}},
			{"key":"paylog.tenant","value":{"stringValue":"team-b"}}]},
		  "scopeLogs":[{"logRecords":[{"timeUnixNano":"%d","severityNumber":17,"body":{"stringValue":"OTLP payment declined for %s"}}]}]}]}`,
			time.Now().UnixNano(), markerA)
		req, err := http.NewRequest(http.MethodPost, "http://"+c.otlpHTTP+"/v1/logs", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return response{status: resp.StatusCode}
	}
	require.Equal(t, http.StatusUnauthorized, otlp("").status)
	require.Equal(t, http.StatusOK, otlp(tokenTeamA).status)

	type seen struct {
		Logs []struct {
			Message   string `json:"message"`
			PatternID string `json:"pattern_id"`
		} `json:"logs"`
		TotalCount int `json:"total_count"`
	}
	search := func(token string, params url.Values) seen {
		t.Helper()
		params.Set("start_time", "now-1h")
		params.Set("limit", "1000")
		r := c.do(t, http.MethodGet, "/logs/search?"+params.Encode(), "", nil, bearer(token))
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		var out seen
		require.NoError(t, json.Unmarshal(r.raw, &out))
		return out
	}
	patternIDs := map[string]map[string]bool{}
	for _, tc := range []struct {
		token, own, other string
		total, errors     int
	}{
		{tokenTeamA, markerA, markerB, 44, 32}, // 43 through the JSON API, 1 over OTLP
		{tokenTeamB, markerB, markerA, 28, 21},
	} {
		require.Eventually(t, func() bool { return search(tc.token, url.Values{}).TotalCount >= tc.total }, 30*time.Second, 100*time.Millisecond)
		all := search(tc.token, url.Values{})
		assert.Equal(t, tc.total, all.TotalCount, "everything this tenant sent, and nothing more")
		require.Len(t, all.Logs, tc.total)
		ids := map[string]bool{}
		for _, l := range all.Logs {
			assert.Contains(t, l.Message, tc.own, "a search returned another tenant's log")
			ids[l.PatternID] = true
		}
		patternIDs[tc.own] = ids
		// Asking for the other tenant's logs by name finds nothing, in any way.
		for _, q := range []string{tc.other, `"declined for ` + tc.other + `"`, tc.other[:5] + "*", "service:billing AND " + tc.other} {
			assert.Zero(t, search(tc.token, url.Values{"query": {q}}).TotalCount, "query %q", q)
		}
		assert.Equal(t, tc.errors, search(tc.token, url.Values{"level": {"ERROR,CRITICAL"}}).TotalCount)

		// The histogram counts this tenant's logs only.
		h := c.do(t, http.MethodGet, "/logs/histogram?start_time=now-1h", "", nil, bearer(tc.token))
		require.Equal(t, http.StatusOK, h.status, "%s", h.raw)
		assert.Equal(t, float64(tc.total), h.body["total_count"], "histogram of %s", tc.own)

		// Patterns: this tenant's counts only.
		r := c.do(t, http.MethodGet, "/logs/patterns?hours=1", "", nil, bearer(tc.token))
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		var patterns []patternSummary
		require.NoError(t, json.Unmarshal(r.raw, &patterns))
		counted := 0
		for _, p := range patterns {
			counted += p.Count
			assert.True(t, ids[p.PatternID], "pattern %s is not one of this tenant's", p.PatternID)
			assert.Contains(t, p.Sample, tc.own)
		}
		assert.Equal(t, tc.errors, counted, "error patterns count this tenant's errors: %+v", patterns)
	}
	// The web UI's cookie is team A's token: team A's logs, not team B's.
	for marker, want := range map[string]string{markerA: `"total_count":44`, markerB: `"total_count":0`} {
		r := c.do(t, http.MethodGet, "/logs/search?start_time=now-1h&limit=1&query="+marker, "", nil, map[string]string{"Cookie": "paylog_token=" + tokenTeamA})
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		assert.Contains(t, string(r.raw), want, marker)
	}
	// A live tail streams its own tenant's new logs only.
	tailCtx, stopTail := context.WithTimeout(context.Background(), 20*time.Second)
	defer stopTail()
	req, err := http.NewRequestWithContext(tailCtx, http.MethodGet, c.url("/logs/tail?query=tailed"), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tokenTeamB)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	events := bufio.NewScanner(resp.Body)
	require.True(t, events.Scan()) // event: open
	for _, token := range []string{tokenTeamA, tokenTeamB} {
		r := c.do(t, http.MethodPost, "/logs/ingest", "application/json",
			[]byte(`{"level":"INFO","message":"tailed by `+token[:6]+`","source":"s"}`), bearer(token))
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	}
	var tailed []string
	for events.Scan() {
		if line := events.Text(); strings.HasPrefix(line, "data: ") && strings.Contains(line, "tailed by") {
			tailed = append(tailed, line)
			if strings.Contains(line, "tailed by team-b") {
				break
			}
		}
	}
	require.Len(t, tailed, 1, "team B's tail: %v", tailed)
	assert.Contains(t, tailed[0], "tailed by team-b")
	stopTail()

	for id := range patternIDs[markerA] {
		assert.False(t, patternIDs[markerB][id], "tenants share pattern id %s", id)
	}
}
