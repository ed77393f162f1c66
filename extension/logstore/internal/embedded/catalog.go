package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

// Pattern templates live in a catalog, not in every row. A row keeps its
// pattern_id; the catalog keeps a pattern's template once per day the pattern
// occurs, as a row of a tenant of its own stamped with the time of a record
// of that day. So the template sits in the same day partition as the rows
// that need it (retention removes both together) and becomes durable with
// them. A template in every row cost about 1 µs of store CPU per log, as much
// as mining it (BenchmarkAddLogsPatternAttributes).

// catalogTenant holds the catalog rows; searches never read it.
var catalogTenant = logstorage.TenantID{ProjectID: 1}

// fieldWrittenAt orders a pattern's catalog rows by when they were written
// (zero-padded Unix nanoseconds): the last written is the newest template,
// whatever day its row is stamped with.
const fieldWrittenAt = "written_at"

type catalogKey struct {
	id  string
	day int64 // days since the Unix epoch, UTC
}

// catalogEntry is a template a batch of records carries.
type catalogEntry struct {
	key      catalogKey
	template string
	ts       int64
}

// templateCatalog is the in-memory view of the catalog rows.
type templateCatalog struct {
	mu sync.RWMutex
	// newest maps a pattern id to its last written template.
	newest map[string]string
	// written maps (pattern id, day) to the template stored for that day.
	written map[catalogKey]string
}

func newTemplateCatalog() *templateCatalog {
	return &templateCatalog{newest: map[string]string{}, written: map[catalogKey]string{}}
}

// stored reports whether the catalog holds template for key.
func (c *templateCatalog) stored(key catalogKey, template string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.written[key]
	return ok && t == template
}

// remember records entries once their rows are in the store.
func (c *templateCatalog) remember(entries []catalogEntry) {
	if len(entries) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range entries {
		key := catalogKey{id: strings.Clone(e.key.id), day: e.key.day}
		template := strings.Clone(e.template)
		c.written[key] = template
		c.newest[key.id] = template
	}
}

// forgetBefore drops what it knows of days before day: retention removed them.
func (c *templateCatalog) forgetBefore(day int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	maps.DeleteFunc(c.written, func(key catalogKey, _ string) bool { return key.day < day })
}

// template returns the newest template of pattern id.
func (c *templateCatalog) template(id string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.newest[id]
	return t, ok
}

// appendCatalogRows adds a catalog row per entry to lr.
func appendCatalogRows(lr *logstorage.LogRows, entries []catalogEntry, now time.Time) {
	writtenAt := fmt.Sprintf("%019d", now.UnixNano())
	for _, e := range entries {
		lr.MustAdd(catalogTenant, e.ts, []logstorage.Field{
			{Name: fieldPatternID, Value: e.key.id},
			{Name: fieldMessage, Value: e.template},
			{Name: fieldWrittenAt, Value: writtenAt},
		}, 0)
	}
}

// loadCatalog reads the newest template of every pattern from the store.
func (e *Engine) loadCatalog(ctx context.Context) error {
	query := fmt.Sprintf(`* | stats by (%s) row_max(%s, %s) as newest`, fieldPatternID, fieldWrittenAt, fieldMessage)
	return e.readRows(ctx, catalogTenant, query, math.MinInt64, math.MaxInt64, func(cols map[string][]string, i int) error {
		id := cols[fieldPatternID][i]
		var row map[string]string
		if err := json.Unmarshal([]byte(cols["newest"][i]), &row); err != nil {
			return fmt.Errorf("catalog row of pattern %s: %w", strconv.Quote(id), err)
		}
		e.catalog.newest[strings.Clone(id)] = row[fieldMessage]
		return nil
	})
}
