package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMetricsCountWhatWasSentAndRejected sends a known mix of valid and
// invalid entries and requests, then reads GET /metrics on the API port and
// the collector's own telemetry endpoint: both count exactly that.
func TestMetricsCountWhatWasSentAndRejected(t *testing.T) {
	c := startCollector(t, t.TempDir())
	valid := func(i int) string {
		return fmt.Sprintf(`{"level":"INFO","message":"metrics entry %d","source":"web-1"}`, i)
	}
	post := func(path, body string, want int) {
		t.Helper()
		r := c.postJSON(t, path, body)
		require.Equal(t, want, r.status, "%s", r.raw)
	}
	var batch []string
	for i := range 10 {
		batch = append(batch, valid(i))
	}
	batch = append(batch,
		`{"level":"LOUD","message":"m","source":"s"}`,
		`{"level":"NOPE","message":"m","source":"s"}`,
		`{"level":"INFO","source":"s"}`,
		`42`)
	post("/logs/batch-ingest", "["+strings.Join(batch, ",")+"]", http.StatusOK)
	for i := range 5 {
		post("/logs/ingest", valid(100+i), http.StatusOK)
	}
	for range 2 {
		post("/logs/ingest", `{"level":"INFO","message":"m","source":"s","trace_id":"xyz"}`, http.StatusBadRequest)
	}
	post("/logs/batch-ingest", `[{"level":`, http.StatusBadRequest)
	post("/logs/batch-ingest", `[{"level":"INFO","message":"a"},{"level":"INFO","message":"b"},{"level":"INFO","message":"c"}]`, http.StatusBadRequest)
	for range 3 {
		c.search(t, map[string][]string{"query": {"metrics"}})
	}
	r := c.do(t, http.MethodGet, "/logs/search?limit=0", "", nil, nil)
	require.Equal(t, http.StatusBadRequest, r.status)

	want := map[string]float64{
		`paylog_ingest_entries_accepted_total`:                                15,
		`paylog_ingest_entries_rejected_total{field="level"}`:                 2,
		`paylog_ingest_entries_rejected_total{field="message"}`:               1,
		`paylog_ingest_entries_rejected_total{field="entry"}`:                 1,
		`paylog_ingest_entries_rejected_total{field="trace_id"}`:              2,
		`paylog_ingest_entries_rejected_total{field="source"}`:                3,
		`paylog_ingest_requests_total{code="200",route="/logs/batch-ingest"}`: 1,
		`paylog_ingest_requests_total{code="400",route="/logs/batch-ingest"}`: 2,
		`paylog_ingest_requests_total{code="200",route="/logs/ingest"}`:       5,
		`paylog_ingest_requests_total{code="400",route="/logs/ingest"}`:       2,
		`paylog_api_requests_total{route="search",code="200"}`:                3,
		`paylog_api_requests_total{route="search",code="400"}`:                1,
	}
	api := scrape(t, c.url("/metrics"))
	for series, value := range want {
		assert.Equal(t, value, api[series], "/metrics %s", series)
	}
	// The collector's own telemetry holds the same counts (named with its
	// otelcol_ prefix and without _total, its own labels beside ours).
	own := scrape(t, "http://"+c.telemetry+"/metrics")
	for series, value := range want {
		name, labels, _ := strings.Cut(series, "{")
		name = "otelcol_" + strings.TrimSuffix(name, "_total")
		assert.Equal(t, value, sumMatching(own, name, strings.TrimSuffix(labels, "}")), "telemetry %s", series)
	}
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$`)

// scrape reads a Prometheus text page into series → value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		if m := sampleLine.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseFloat(m[2], 64)
			require.NoError(t, err, line)
			out[m[1]] = v
		}
	}
	return out
}

// sumMatching adds the series of name whose labels include every label of
// want (a comma-separated list of name="value").
func sumMatching(series map[string]float64, name, want string) float64 {
	var sum float64
	for s, v := range series {
		sName, labels, _ := strings.Cut(s, "{")
		if sName != name {
			continue
		}
		match := true
		for _, l := range strings.Split(want, ",") {
			if l != "" && !strings.Contains(labels, l) {
				match = false
			}
		}
		if match {
			sum += v
		}
	}
	return sum
}
