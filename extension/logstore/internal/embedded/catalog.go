package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"github.com/paylog/paylog/internal/logquery"
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

// maxCatalogTemplates bounds each of the catalog's two maps. A patterns
// processor that keeps making new patterns would otherwise grow them without
// end (a template and its id are a few hundred bytes). Past it, newest
// forgets a quarter of its ids, whose templates are then read from the store
// when a result needs them, and written starts over (a batch then writes a
// template's row again: a duplicate the newest-row rule ignores).
const maxCatalogTemplates = 200_000

// maxAbsentTemplates bounds templateCatalog.absent; past it, it starts over.
const maxAbsentTemplates = 10_000

// templateCatalog is the in-memory view of the catalog rows.
type templateCatalog struct {
	mu sync.RWMutex
	// newest maps a pattern id to its last written template.
	newest map[string]string
	// written maps (pattern id, day) to the template stored for that day.
	written map[catalogKey]string
	// absent holds pattern ids the store had no template for when asked:
	// records that came with a pattern id and no template (from a sender
	// other than the patterns processor). Results leave their template out
	// instead of asking the store on every page; a template written for
	// the id takes it out.
	absent map[string]struct{}
	// generation counts remember calls, so that an answer read while a
	// template was being written is not taken for its absence.
	generation uint64
	// storeReads counts the store queries for templates (tests).
	storeReads atomic.Uint64
	// limit is maxCatalogTemplates (smaller in tests).
	limit int
}

func newTemplateCatalog() *templateCatalog {
	return &templateCatalog{newest: map[string]string{}, written: map[catalogKey]string{}, absent: map[string]struct{}{}, limit: maxCatalogTemplates}
}

// setNewest records id's newest template; the caller holds c.mu.
func (c *templateCatalog) setNewest(id, template string) {
	if _, ok := c.newest[id]; !ok && len(c.newest) >= c.limit {
		forget := max(c.limit/4, 1)
		for old := range c.newest { // in no particular order
			delete(c.newest, old)
			if forget--; forget == 0 {
				break
			}
		}
	}
	c.newest[id] = template
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
	c.generation++
	for _, e := range entries {
		delete(c.absent, e.key.id)
		key := catalogKey{id: strings.Clone(e.key.id), day: e.key.day}
		template := strings.Clone(e.template)
		if _, ok := c.written[key]; !ok && len(c.written) >= c.limit {
			clear(c.written)
		}
		c.written[key] = template
		c.setNewest(key.id, template)
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

// offer sets id's newest template, read from the store, unless one was
// written since.
func (c *templateCatalog) offer(id, template string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.newest[id]; !ok {
		c.setNewest(id, template)
	}
}

// notAbsent returns the ids not known to be absent from the store, and the
// generation to pass to markAbsent.
func (c *templateCatalog) notAbsent(ids []string) ([]string, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var asked []string
	for _, id := range ids {
		if _, ok := c.absent[id]; !ok {
			asked = append(asked, id)
		}
	}
	return asked, c.generation
}

// markAbsent remembers ids the store had no template for, unless templates
// were written since generation.
func (c *templateCatalog) markAbsent(ids []string, generation uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation != generation {
		return
	}
	for _, id := range ids {
		if len(c.absent) >= maxAbsentTemplates {
			clear(c.absent)
		}
		c.absent[strings.Clone(id)] = struct{}{}
	}
}

// loadCatalog reads the newest template of every pattern from the store
// into the catalog, one at a time, so that loading holds no more templates
// than the catalog's limit (the others are read when a result needs them).
func (e *Engine) loadCatalog(ctx context.Context) error {
	return e.readTemplates(ctx, "*", e.catalog.offer)
}

// readTemplates reads the newest template of each pattern filter selects
// from the store and passes it to found.
func (e *Engine) readTemplates(ctx context.Context, filter string, found func(id, template string)) error {
	e.catalog.storeReads.Add(1)
	query := fmt.Sprintf(`%s | stats by (%s) row_max(%s, %s) as newest`, filter, fieldPatternID, fieldWrittenAt, fieldMessage)
	return e.readRows(ctx, catalogTenant, query, math.MinInt64, math.MaxInt64, func(cols map[string][]string, i int) error {
		id := cols[fieldPatternID][i]
		var row map[string]string
		if err := json.Unmarshal([]byte(cols["newest"][i]), &row); err != nil {
			return fmt.Errorf("catalog row of pattern %s: %w", strconv.Quote(id), err)
		}
		found(strings.Clone(id), row[fieldMessage])
		return nil
	})
}

// templatesOf reads the newest templates of ids, which the catalog does not
// hold, from the store, except those known to be absent from it.
func (e *Engine) templatesOf(ctx context.Context, ids []string) (map[string]string, error) {
	ids, generation := e.catalog.notAbsent(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	found := map[string]string{}
	err := e.readTemplates(ctx, fmt.Sprintf("%s:in(%s)", fieldPatternID, logquery.QuotedList(ids)), func(id, template string) {
		found[id] = template
		e.catalog.offer(id, template)
	})
	if err != nil {
		return nil, err
	}
	// ids holds only what notAbsent returned, this call's own slice.
	e.catalog.markAbsent(slices.DeleteFunc(ids, func(id string) bool {
		_, ok := found[id]
		return ok
	}), generation)
	return found, nil
}

// fillTemplates sets the template of the records whose pattern the catalog
// had forgotten, from the store.
func (e *Engine) fillTemplates(ctx context.Context, records []logquery.Record) error {
	var missing []string
	for _, r := range records {
		if r.PatternID != nil && r.Pattern == nil && !slices.Contains(missing, *r.PatternID) {
			missing = append(missing, *r.PatternID)
		}
	}
	found, err := e.templatesOf(ctx, missing)
	if err != nil {
		return err
	}
	for i := range records {
		if r := &records[i]; r.PatternID != nil && r.Pattern == nil {
			if t, ok := found[*r.PatternID]; ok {
				r.Pattern = &t
			}
		}
	}
	return nil
}
