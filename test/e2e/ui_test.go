package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium finds Debian's Chromium; CI installs it (.ci/run), so there a
// missing browser fails the test instead of skipping it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs it")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// screenshotDir is where the browser tests leave their screenshots for
// review: $PAYLOG_SCREENSHOT_DIR, else bin/screenshots.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("PAYLOG_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(repoRoot(), "bin", "screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1280, 900),
	)
	// Chromium now and then exits at start on a loaded machine (CI runs the
	// end-to-end tests in parallel); a browser that did start is used as is.
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
		cancel := func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
		if err = chromedp.Do(ctx, chromedp.Navigate("about:blank")); err == nil {
			t.Cleanup(cancel)
			return ctx
		}
		cancel()
		t.Logf("chromium did not start (attempt %d): %v", attempt, err)
		time.Sleep(time.Second)
	}
	t.Fatalf("chromium did not start: %v", err)
	return nil
}

// TestWebUI ingests logs through the API, then in headless Chromium
// searches, expands a row, opens Patterns, follows a pattern back to its
// logs, and renders the API docs; it checks what is on screen at each step
// and leaves screenshots in bin/screenshots.
func TestWebUI(t *testing.T) {
	c := startCollector(t, t.TempDir())
	ctx := browser(t)
	shots := screenshotDir(t)

	var entries []string
	for i := range 20 {
		entries = append(entries, fmt.Sprintf(`{"level":"ERROR","message":"Payment %d declined for order o-%d","source":"web-%d","service":"billing","trace_id":"0af7651916cd43dd8448eb211c80319c","metadata":{"order":"o-%d"}}`, 900+i, i, i%3, i))
	}
	for i := range 5 {
		entries = append(entries, fmt.Sprintf(`{"level":"CRITICAL","message":"Disk full on /dev/sd%c","source":"db-1","service":"storage"}`, 'a'+i))
	}
	for i := range 30 {
		entries = append(entries, fmt.Sprintf(`{"level":"INFO","message":"User %d logged in","source":"web-1","service":"auth"}`, i))
	}
	r := c.postJSON(t, "/logs/batch-ingest", "["+strings.Join(entries, ",")+"]")
	require.Equal(t, 200, r.status, "%s", r.raw)
	c.waitForCount(t, map[string][]string{"start_time": {"now-1h"}}, 55, 30*time.Second)

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, steps...))
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
		require.NoError(t, err, sel)
		return v
	}
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
		require.NoError(t, err, sel)
		return n
	}
	waitUntil := func(expr string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second)))
		require.NoError(t, err, "waiting for %s", expr)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644))
	}
	axeSource, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	require.NoError(t, err)
	// accessible runs axe-core's WCAG 2 A and AA rules on the page as it is.
	accessible := func(view string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axeSource)+";true"))
		require.NoError(t, err)
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: ["wcag2a", "wcag2aa"]})
			.then(r => r.violations.map(v => v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")))`,
			chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		assert.Empty(t, violations, "accessibility of the %s view", view)
	}
	summaryStarts := func(prefix string) string {
		return fmt.Sprintf("document.querySelector('#summary').textContent.startsWith(%q)", prefix)
	}

	// Search: the explorer opens on the last hour; a search narrows it.
	do(chromedp.Navigate(c.url("/")), chromedp.WaitVisible(chromedp.CSS("tr.record")),
		chromedp.SetValue(chromedp.ID("q"), "declined"), chromedp.Click(chromedp.ID("run")))
	waitUntil(summaryStarts("20 logs match"))
	assert.Equal(t, 20, count("tr.record"))
	assert.Positive(t, count(`#histogram rect[fill="#cf222e"]`), "the histogram has ERROR bars")
	// Expand the first row: every field, with its pattern and trace id.
	do(chromedp.Click(chromedp.CSS("tr.record"), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS("tr.details dl.fields")))
	details := text("tr.details:not([hidden])")
	for _, want := range []string{"pattern_id", "Payment <*> declined for order o-<*>", "0af7651916cd43dd8448eb211c80319c", "billing", `"order"`} {
		assert.Contains(t, details, want)
	}
	shot("1-search-expanded")
	accessible("search")

	// Patterns: the top error pattern, counted; clicking it searches its logs.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("q").value = ""`))
	require.NoError(t, err)
	do(chromedp.Click(chromedp.ID("tab-patterns")),
		chromedp.WaitVisible(chromedp.CSS("tr.pattern svg.spark")))
	assert.Equal(t, 2, count("tr.pattern"), "the ERROR and the CRITICAL pattern")
	assert.Equal(t, "Payment <*> declined for order o-<*>", text("tr.pattern .pattern-link"))
	assert.Equal(t, "20", text("tr.pattern td"))
	shot("2-patterns")
	accessible("patterns")
	do(chromedp.Click(chromedp.CSS("tr.pattern .pattern-link")))
	waitUntil(summaryStarts("20 logs match"))
	query, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("q")))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(query, "pattern_id:p"), query)
	location, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	assert.Contains(t, location, "q=pattern_id%3Ap", "the search is in the URL")
	shot("3-pattern-logs")

	// The shared URL reproduces the search.
	do(chromedp.Navigate(location))
	waitUntil(summaryStarts("20 logs match"))

	// A click on a histogram bar zooms into its bucket.
	do(chromedp.Click(chromedp.CSS(`#histogram rect.bar[tabindex="0"]`), chromedp.NodeVisible))
	waitUntil(`document.getElementById("range").value === "custom" && document.querySelector("#summary").textContent.startsWith("20 logs match")`)
	zoomed, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	assert.Contains(t, zoomed, "range=custom")

	// Live tail: a log sent now appears at the top while the tail runs.
	do(chromedp.Click(chromedp.ID("tail")))
	waitUntil(summaryStarts("Live tail: waiting"))
	r = c.postJSON(t, "/logs/ingest", `{"level":"ERROR","message":"Payment 999 declined for order o-tail","source":"web-1","service":"billing"}`)
	require.Equal(t, 200, r.status, "%s", r.raw)
	waitUntil(summaryStarts("Live tail: 1 new logs"))
	assert.Contains(t, text("tr.record td.msg"), "o-tail")
	shot("5-live-tail")
	do(chromedp.Click(chromedp.ID("tail")))

	// Past 10,000 matches the search stops counting; the summary shows the
	// exact number, from the histogram of the same filters and range.
	for sent := 0; sent < 10050; sent += 1005 {
		var bulk []string
		for i := range 1005 {
			bulk = append(bulk, fmt.Sprintf(`{"level":"INFO","message":"Bulk entry %d","source":"web-1","service":"bulk"}`, sent+i))
		}
		r = c.postJSON(t, "/logs/batch-ingest", "["+strings.Join(bulk, ",")+"]")
		require.Equal(t, 200, r.status, "%s", r.raw)
	}
	c.waitForCount(t, map[string][]string{"query": {"bulk"}, "exact_count": {"true"}}, 10050, 60*time.Second)
	do(chromedp.Navigate(c.url("/?q=bulk")))
	waitUntil(summaryStarts("10,050 logs match"))

	// API docs: Swagger UI renders openapi.json.
	do(chromedp.Navigate(c.url("/docs")), chromedp.WaitVisible(chromedp.CSS(".swagger-ui .info .title")),
		chromedp.WaitVisible(chromedp.CSS(".opblock")))
	assert.Contains(t, text(".swagger-ui .info .title"), "paylog API")
	operations := count(".opblock")
	shot("4-api-docs")
	assert.GreaterOrEqual(t, operations, 12, "every operation of openapi.json is rendered")
}
