package embedded

import (
	"context"
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
// scan in Go). A filter of level, service or pattern reads the rollup rows
// (rollup.go). Any other runs small queries instead of one that keeps a
// minimum and a maximum per row: counts per pattern, service and time bucket (counts,
// services, and the buckets a pattern was first and last seen in); then the
// exact first and last seen times read from those two buckets of each listed
// pattern; then its newest record — template and message — read at its
// last-seen instant.
func (e *Engine) Patterns(ctx context.Context, req *logquery.PatternsRequest) ([]logquery.PatternSummary, error) {
	start, end := timeBounds(req.Start, req.End)
	filter := e.toLogsQL(req.Filter)
	tenant := tenantID(req.Tenant)
	totals, rolledUp, err := e.rolledUpPatterns(ctx, tenant, req, filter, start, end)
	if err != nil {
		return nil, err
	}
	if rolledUp {
		results := make([]logquery.PatternSummary, 0, len(totals))
		for id, p := range totals {
			results = append(results, logquery.PatternSummary{PatternID: id, Count: p.count, Services: sortedServices(p.services),
				FirstSeen: time.Unix(0, p.first).UTC(), LastSeen: time.Unix(0, p.last).UTC()})
		}
		results = topPatterns(results, req.Limit)
		return results, e.addNewest(ctx, tenant, filter, results)
	}
	byID, step, err := e.patternBuckets(ctx, tenant, filter, start, end)
	if err != nil {
		return nil, err
	}
	results := make([]logquery.PatternSummary, 0, len(byID))
	for id, p := range byID {
		results = append(results, logquery.PatternSummary{PatternID: id, Count: p.count, Services: sortedServices(p.services)})
	}
	results = topPatterns(results, req.Limit)
	if err := e.addSeen(ctx, tenant, filter, results, byID, step, start, end); err != nil {
		return nil, err
	}
	if err := e.addNewest(ctx, tenant, filter, results); err != nil {
		return nil, err
	}
	return results, nil
}

// sortedServices lists up to maxPatternServices services in order.
func sortedServices(set map[string]struct{}) []string {
	services := make([]string, 0, len(set))
	for svc := range set {
		services = append(services, svc)
	}
	sort.Strings(services)
	return services[:min(len(services), maxPatternServices)]
}

// topPatterns orders patterns by count (then id) and keeps the first limit.
func topPatterns(results []logquery.PatternSummary, limit int) []logquery.PatternSummary {
	sort.Slice(results, func(i, j int) bool {
		if results[i].Count != results[j].Count {
			return results[i].Count > results[j].Count
		}
		return results[i].PatternID < results[j].PatternID
	})
	return results[:min(len(results), limit)]
}

// bucketedPattern is what the bucketed counts tell of one pattern (buckets of
// a whole number of minutes).
type bucketedPattern struct {
	count                   uint64
	services                map[string]struct{}
	firstBucket, lastBucket time.Time // the starts of the buckets it was first and last seen in
}

// maxPatternBuckets bounds the time buckets of the counting query, so that
// a year-long range does not make patterns × services × 8,760 groups.
const maxPatternBuckets = 256

// patternBuckets counts the matching records by pattern, service and time
// bucket: the range up to now in about maxPatternBuckets buckets of whole
// minutes. Narrow buckets keep the exact first/last seen queries small even
// when all the data falls in one hour.
func (e *Engine) patternBuckets(ctx context.Context, tenant logstorage.TenantID, filter string, start, end int64) (map[string]*bucketedPattern, time.Duration, error) {
	now := time.Now()
	oldest, _ := e.window(now)
	span := time.Duration(min(end, now.UnixNano()) - max(start, oldest))
	step := time.Minute * time.Duration(max(1, (span/maxPatternBuckets+time.Minute-1)/time.Minute))
	query := fmt.Sprintf(`%s | stats by (%s, %s, _time:%dm) count() as n`, filter, fieldPatternID, fieldService, step/time.Minute)
	byID := map[string]*bucketedPattern{}
	err := e.readRows(ctx, tenant, query, start, end, func(cols map[string][]string, i int) error {
		id := e.numbers.patternID(cols[fieldPatternID][i])
		if id == "" {
			return nil // records without a pattern
		}
		n, err := strconv.ParseUint(cols["n"][i], 10, 64)
		if err != nil {
			return fmt.Errorf("read pattern counts: count %q: %w", cols["n"][i], err)
		}
		bucket, err := time.Parse(time.RFC3339Nano, cols["_time"][i])
		if err != nil {
			return fmt.Errorf("read pattern counts: bucket time %q: %w", cols["_time"][i], err)
		}
		p := byID[id]
		if p == nil {
			p = &bucketedPattern{services: map[string]struct{}{}, firstBucket: bucket, lastBucket: bucket}
			byID[strings.Clone(id)] = p
		}
		p.count += n
		if svc := cols[fieldService][i]; svc != "" {
			p.services[strings.Clone(svc)] = struct{}{}
		}
		if bucket.Before(p.firstBucket) {
			p.firstBucket = bucket
		}
		if bucket.After(p.lastBucket) {
			p.lastBucket = bucket
		}
		return nil
	})
	return byID, step, err
}

// addSeen fills each summary's first and last seen times: one query per
// distinct bucket in which listed patterns were first (or last) seen, over
// that bucket only, asking the minimum (or maximum) time of those patterns.
func (e *Engine) addSeen(ctx context.Context, tenant logstorage.TenantID, filter string, results []logquery.PatternSummary,
	byID map[string]*bucketedPattern, step time.Duration, start, end int64,
) error {
	index := make(map[string]*logquery.PatternSummary, len(results))
	firstIn, lastIn := map[time.Time][]string{}, map[time.Time][]string{}
	for i := range results {
		id := results[i].PatternID
		index[id] = &results[i]
		p := byID[id]
		firstIn[p.firstBucket] = append(firstIn[p.firstBucket], id)
		lastIn[p.lastBucket] = append(lastIn[p.lastBucket], id)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	seen := func(bucket time.Time, ids []string, aggregate string, set func(r *logquery.PatternSummary, t time.Time)) {
		defer wg.Done()
		query := fmt.Sprintf(`(%s) AND %q:in(%s) | stats by (%s) %s(_time) as t`,
			filter, fieldPatternID, logquery.QuotedList(e.numbers.storedValues(ids)), fieldPatternID, aggregate)
		from, to := max(start, bucket.UnixNano()), min(end, bucket.Add(step).UnixNano()-1)
		err := e.run(ctx, tenant, query, from, to, func(db *logstorage.DataBlock) {
			cols := columnsByName(db)
			mu.Lock()
			defer mu.Unlock()
			for i := range db.RowsCount() {
				t, err := time.Parse(time.RFC3339Nano, cols["t"][i])
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if r := index[e.numbers.patternID(cols[fieldPatternID][i])]; r != nil {
					set(r, t)
				}
			}
		})
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	for bucket, ids := range firstIn {
		wg.Add(1)
		// A pattern stored both as an id and as a number answers twice.
		go seen(bucket, ids, "min", func(r *logquery.PatternSummary, t time.Time) {
			if r.FirstSeen.IsZero() || t.Before(r.FirstSeen) {
				r.FirstSeen = t
			}
		})
	}
	for bucket, ids := range lastIn {
		wg.Add(1)
		go seen(bucket, ids, "max", func(r *logquery.PatternSummary, t time.Time) {
			if t.After(r.LastSeen) {
				r.LastSeen = t
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("read pattern times: %w", errs[0])
	}
	return nil
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
		fmt.Fprintf(&b, "(%q:in(%s) AND _time:[%s, %s])", fieldPatternID, logquery.QuotedList(e.numbers.storedValues([]string{r.PatternID})), at, at)
	}
	fmt.Fprintf(&b, ") | fields _time, %s, %s, %s", fieldPatternID, fieldPattern, fieldMessage)
	var mu sync.Mutex
	err := e.run(ctx, tenant, b.String(), start, end, func(db *logstorage.DataBlock) {
		cols := columnsByName(db)
		mu.Lock()
		defer mu.Unlock()
		for i := range db.RowsCount() {
			r := byID[e.numbers.patternID(cols[fieldPatternID][i])]
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
	var missing []string
	for i := range results {
		if t, ok := e.catalog.template(results[i].PatternID); ok {
			results[i].Pattern = t
		} else {
			missing = append(missing, results[i].PatternID)
		}
	}
	// Patterns the catalog forgot (maxCatalogTemplates).
	found, err := e.templatesOf(ctx, missing)
	if err != nil {
		return err
	}
	for i := range results {
		if t, ok := found[results[i].PatternID]; ok {
			results[i].Pattern = t
		}
	}
	return nil
}
