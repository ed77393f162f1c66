package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"github.com/paylog/paylog/internal/logquery"
)

// maxPatternServices caps the services listed per pattern.
const maxPatternServices = 20

// Patterns aggregates the matching records by pattern id in the engine (no
// scan in Go): counts, first and last seen and services in one stats query,
// then the newest record of each listed pattern — its template and message —
// read from the few blocks holding its last-seen timestamp. Taking the newest
// row in the first query instead read every matching message (40% of the
// time on 1M records).
func (e *Engine) Patterns(ctx context.Context, req *logquery.PatternsRequest) ([]logquery.PatternSummary, error) {
	start, end := timeBounds(req.Start, req.End)
	filter := logquery.ToLogsQL(req.Filter)
	tenant := tenantID(req.Tenant)
	query := fmt.Sprintf(`(%s) AND %q:* | stats by (%s) count() as count, min(_time) as first_seen, max(_time) as last_seen, `+
		`uniq_values(%s) limit %d as services | sort by (count desc, %s) | limit %d`,
		filter, fieldPatternID, fieldPatternID, fieldService, maxPatternServices, fieldPatternID, req.Limit)
	var (
		mu      sync.Mutex
		results []logquery.PatternSummary
		errs    []error
	)
	err := e.run(ctx, tenant, query, start, end, func(db *logstorage.DataBlock) {
		cols := columnsByName(db)
		mu.Lock()
		defer mu.Unlock()
		for i := range db.RowsCount() {
			s, err := patternSummary(cols, i)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			results = append(results, s)
		}
	})
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("read pattern aggregation: %w", errs[0])
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].Count != results[j].Count {
			return results[i].Count > results[j].Count
		}
		return results[i].PatternID < results[j].PatternID
	})
	if err := e.addNewest(ctx, tenant, filter, results); err != nil {
		return nil, err
	}
	return results, nil
}

// addNewest fills each summary's sample and template from its newest
// matching record: the one at its last-seen time.
func (e *Engine) addNewest(ctx context.Context, tenant logstorage.TenantID, filter string, results []logquery.PatternSummary) error {
	if len(results) == 0 {
		return nil
	}
	var (
		b          strings.Builder
		start, end = results[0].LastSeen.UnixNano(), results[0].LastSeen.UnixNano()
		byID       = make(map[string]*logquery.PatternSummary, len(results))
	)
	fmt.Fprintf(&b, "(%s) AND (", filter)
	for i := range results {
		r := &results[i]
		byID[r.PatternID] = r
		ts := r.LastSeen.UnixNano()
		start, end = min(start, ts), max(end, ts)
		if i > 0 {
			b.WriteString(" OR ")
		}
		at := r.LastSeen.UTC().Format(time.RFC3339Nano)
		fmt.Fprintf(&b, "(%q:=%q AND _time:[%s, %s])", fieldPatternID, r.PatternID, at, at)
	}
	fmt.Fprintf(&b, ") | fields _time, %s, %s, %s", fieldPatternID, fieldPattern, fieldMessage)
	var mu sync.Mutex
	err := e.run(ctx, tenant, b.String(), start, end, func(db *logstorage.DataBlock) {
		cols := columnsByName(db)
		mu.Lock()
		defer mu.Unlock()
		for i := range db.RowsCount() {
			r := byID[cols[fieldPatternID][i]]
			if r == nil || r.Sample != "" {
				continue // several records at the same instant: any one will do
			}
			r.Sample = strings.Clone(cols[fieldMessage][i])
			if v := cols[fieldPattern]; v != nil {
				r.Pattern = strings.Clone(v[i])
			}
		}
	})
	if err != nil {
		return err
	}
	for i := range results {
		if t, ok := e.catalog.template(results[i].PatternID); ok {
			results[i].Pattern = t
		}
	}
	return nil
}

func patternSummary(cols map[string][]string, i int) (logquery.PatternSummary, error) {
	get := func(name string) string {
		if v := cols[name]; v != nil {
			return strings.Clone(v[i])
		}
		return ""
	}
	s := logquery.PatternSummary{PatternID: get(fieldPatternID), Services: []string{}}
	var err error
	if s.Count, err = strconv.ParseUint(get("count"), 10, 64); err != nil {
		return s, fmt.Errorf("count %q: %w", get("count"), err)
	}
	if s.FirstSeen, err = time.Parse(time.RFC3339Nano, get("first_seen")); err != nil {
		return s, err
	}
	if s.LastSeen, err = time.Parse(time.RFC3339Nano, get("last_seen")); err != nil {
		return s, err
	}
	if raw := get("services"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &s.Services); err != nil {
			return s, fmt.Errorf("services %q: %w", raw, err)
		}
	}
	return s, nil
}
