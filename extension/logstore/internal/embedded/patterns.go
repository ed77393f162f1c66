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

// Patterns aggregates the matching records by pattern id in the engine (one
// stats query, no scan in Go): counts, first and last seen, services, and the
// newest record's template and message.
func (e *Engine) Patterns(ctx context.Context, req *logquery.PatternsRequest) ([]logquery.PatternSummary, error) {
	start, end := timeBounds(req.Start, req.End)
	query := fmt.Sprintf(`(%s) AND %q:* | stats by (%s) count() as count, min(_time) as first_seen, max(_time) as last_seen, `+
		`uniq_values(%s) limit %d as services, row_max(_time, %s, _msg) as newest | sort by (count desc, %s) | limit %d`,
		logquery.ToLogsQL(req.Filter), fieldPatternID, fieldPatternID, fieldService, maxPatternServices, fieldPattern, fieldPatternID, req.Limit)
	var (
		mu      sync.Mutex
		results []logquery.PatternSummary
		errs    []error
	)
	err := e.run(ctx, tenant, query, start, end, func(db *logstorage.DataBlock) {
		cols := map[string][]string{}
		for _, c := range db.GetColumns(false) {
			cols[c.Name] = c.Values
		}
		mu.Lock()
		defer mu.Unlock()
		for i := range db.RowsCount() {
			s, err := patternSummary(cols, i, e.catalog)
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
	return results, nil
}

func patternSummary(cols map[string][]string, i int, catalog *templateCatalog) (logquery.PatternSummary, error) {
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
	var newest map[string]string
	if raw := get("newest"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &newest); err != nil {
			return s, fmt.Errorf("newest %q: %w", raw, err)
		}
	}
	s.Pattern, s.Sample = newest[fieldPattern], newest[fieldMessage]
	if t, ok := catalog.template(s.PatternID); ok {
		s.Pattern = t
	}
	return s, nil
}
