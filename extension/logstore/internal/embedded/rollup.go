package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"github.com/paylog/paylog/internal/logquery"
)

// Pattern counts are also kept rolled up. With every batch the store writes
// one rollup row per tenant, pattern, level and minute the batch has records
// of: their count, first (the row's time) and last times, and their services.
// The rows live in a tenant of their own, in the same day partitions as the
// records they count, so they become durable and expire with them: about one
// row per 200 records, 0.5% of the store. /logs/patterns filtered by nothing
// but level or pattern reads the rollup rows for the whole minutes of its
// range and the records only for the partial minutes at its ends (at 10M
// stored logs, a query that read every record's pattern took at least 240 ms
// on a 2-core machine). A service filter counts the records: with services in
// the key, rollups were 4% of the store.

// rollupTenant holds the rollup rows; searches never read it.
var rollupTenant = logstorage.TenantID{ProjectID: 2}

// Rollup row fields; level and pattern_id keep the names the records use,
// so a filter on them means the same on both.
const (
	fieldRollupTenant   = "tenant"
	fieldRollupCount    = "n"
	fieldRollupLast     = "last"
	fieldRollupServices = "services"
)

// rollupValue is one rollup row being counted: its key (tenant, pattern,
// level, minute) and what it counts.
type rollupValue struct {
	tenant      logstorage.TenantID
	level       string
	minute      int64
	n           uint64
	first, last int64
	// services holds up to maxPatternServices services, the first in order:
	// the first of all rows' are then among the first of each row's.
	services []string
	// considered marks the batch's services (by serviceNumber, below 64)
	// already offered to services: whether one gets in does not change
	// later, as the services kept only ever get earlier in order.
	considered uint64
}

// countRollup adds one record of rb.pattern to the batch's rollup: to one of
// the pattern's few rows (a map keyed by the whole key cost 110 ns a record,
// mostly hashing it).
func (rb *rowBuilder) countRollup(tenant logstorage.TenantID, service string, serviceNumber int, level string, ts int64) {
	minute := ts - floorMod(ts, int64(time.Minute))
	var v *rollupValue
	for _, row := range rb.pattern.rollups {
		if row.minute == minute && row.level == level && row.tenant == tenant {
			v = row
			break
		}
	}
	if v == nil {
		v = &rollupValue{tenant: tenant, level: level, minute: minute, first: ts, last: ts}
		rb.pattern.rollups = append(rb.pattern.rollups, v)
	}
	v.n++
	v.first, v.last = min(v.first, ts), max(v.last, ts)
	if service == "" {
		return
	}
	if serviceNumber < 64 {
		if v.considered&(1<<serviceNumber) != 0 {
			return
		}
		v.considered |= 1 << serviceNumber
	}
	i, found := slices.BinarySearch(v.services, service)
	if !found && i < maxPatternServices {
		if len(v.services) == maxPatternServices {
			v.services = v.services[:maxPatternServices-1]
		}
		v.services = slices.Insert(v.services, i, service)
	}
}

// serviceNumber numbers the services of a batch in the order they come;
// a batch's rows come grouped by resource, so most rows have the service
// of the row before.
func (rb *rowBuilder) serviceNumber(service string) int {
	if rb.services == nil {
		rb.services = map[string]int{}
	}
	if len(rb.services) > 0 && service == rb.service {
		return rb.serviceIndex
	}
	n, ok := rb.services[service]
	if !ok {
		n = len(rb.services)
		rb.services[service] = n
	}
	rb.service, rb.serviceIndex = service, n
	return n
}

// appendRollupRows adds the batch's rollup rows to lr and returns how many.
// A row's time is its first record's: inside the store's window whenever the
// record is, and in the same minute.
func (rb *rowBuilder) appendRollupRows(lr *logstorage.LogRows) int {
	count := 0
	for _, bp := range rb.patterns {
		for _, v := range bp.rollups {
			services, _ := json.Marshal(v.services)
			lr.MustAdd(rollupTenant, v.first, []logstorage.Field{
				{Name: fieldRollupTenant, Value: tenantField(v.tenant)},
				// As the records store it: the number (numbers.go).
				{Name: fieldPatternID, Value: bp.stored},
				{Name: fieldLevel, Value: v.level},
				{Name: fieldRollupCount, Value: strconv.FormatUint(v.n, 10)},
				{Name: fieldRollupLast, Value: strconv.FormatInt(v.last, 10)},
				{Name: fieldRollupServices, Value: string(services)},
			}, 1)
			count++
		}
	}
	return count
}

func tenantField(t logstorage.TenantID) string {
	return strconv.FormatUint(uint64(t.AccountID), 10) + ":" + strconv.FormatUint(uint64(t.ProjectID), 10)
}

// rollupSinceFile holds the time (Unix ns) from which every record has rollup
// rows: none for a store created with them, else a time after which no record
// written before them can lie (then plus the future window).
const rollupSinceFile = "rollup-since"

// loadRollupSince reads or sets the time rollups cover records from.
func (e *Engine) loadRollupSince(now time.Time) error {
	path := filepath.Join(e.cfg.Path, rollupSinceFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		e.rollupSince, err = strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
		return err
	}
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var ss logstorage.StorageStats
	e.storage.UpdateStats(&ss)
	d := ss.DatadbStats
	e.rollupSince = math.MinInt64
	if d.InmemoryRowsCount+d.SmallPartRowsCount+d.BigPartRowsCount > 0 {
		// Records written before this version may lie as far ahead as the
		// store accepts; from the next whole minute after that, rollups
		// cover them all.
		_, newest := e.window(now)
		e.rollupSince = newest + 1
	}
	return os.WriteFile(path, []byte(strconv.FormatInt(e.rollupSince, 10)+"\n"), 0o644)
}

// rollupFilter reports whether a filter names only fields rollup rows carry.
func rollupFilter(n logquery.Node) bool {
	switch n := n.(type) {
	case logquery.MatchAll:
		return true
	case *logquery.Term:
		return n.Field == logquery.FieldLevel || n.Field == logquery.FieldPatternID
	case *logquery.And:
		for _, c := range n.Children {
			if !rollupFilter(c) {
				return false
			}
		}
		return true
	case *logquery.Or:
		for _, c := range n.Children {
			if !rollupFilter(c) {
				return false
			}
		}
		return true
	case *logquery.Not:
		return rollupFilter(n.Child)
	}
	return false
}

// patternTotals is what the counting queries tell of one pattern.
type patternTotals struct {
	count       uint64
	services    map[string]struct{}
	first, last int64
}

// rolledUpPatterns counts the patterns of [start, end] from the rollup rows
// for its whole minutes and from the records for the partial minutes at its
// ends; ok is false when rollups do not cover the range.
// filter is req.Filter compiled to LogsQL.
func (e *Engine) rolledUpPatterns(ctx context.Context, tenant logstorage.TenantID, req *logquery.PatternsRequest, filter string, start, end int64) (map[string]*patternTotals, bool, error) {
	if !rollupFilter(req.Filter) {
		return nil, false, nil
	}
	const minute = int64(time.Minute)
	// [wholeFrom, wholeTo]: the minutes that lie wholly in the range.
	wholeFrom, wholeTo := start, end
	if start != math.MinInt64 {
		wholeFrom = start + (minute-floorMod(start, minute))%minute
	}
	if end != math.MaxInt64 {
		wholeTo = end + 1 - floorMod(end+1, minute) - 1
	}
	if wholeFrom < e.rollupSince || wholeFrom > wholeTo {
		return nil, false, nil
	}
	totals := map[string]*patternTotals{}
	var mu sync.Mutex
	add := func(id string, services []string, n uint64, first, last int64) {
		mu.Lock()
		defer mu.Unlock()
		p := totals[id]
		if p == nil {
			p = &patternTotals{services: map[string]struct{}{}, first: first, last: last}
			totals[strings.Clone(id)] = p
		}
		p.count += n
		p.first, p.last = min(p.first, first), max(p.last, last)
		for _, service := range services {
			if service != "" {
				p.services[strings.Clone(service)] = struct{}{}
			}
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() {
		query := fmt.Sprintf(`%s:=%q AND (%s) | stats by (%s, %s) sum(%s) as n, min(_time) as first, max(%s) as last`,
			fieldRollupTenant, tenantField(tenant), filter, fieldPatternID, fieldRollupServices, fieldRollupCount, fieldRollupLast)
		errs[0] = e.runTotals(ctx, rollupTenant, query, wholeFrom, wholeTo, fieldRollupServices, add)
	})
	edges := [][2]int64{{start, wholeFrom - 1}, {wholeTo + 1, end}}
	for i, edge := range edges {
		if edge[0] > edge[1] || (i == 0 && start == math.MinInt64) || (i == 1 && end == math.MaxInt64) {
			continue
		}
		wg.Go(func() {
			query := fmt.Sprintf(`%s | stats by (%s, %s) count() as n, min(_time) as first, max(_time) as last`, filter, fieldPatternID, fieldService)
			errs[1+i] = e.runTotals(ctx, tenant, query, edge[0], edge[1], fieldService, add)
		})
	}
	wg.Wait()
	return totals, true, errors.Join(errs...)
}

// runTotals runs a query answering pattern_id, n, first and last (Unix ns
// or RFC 3339) and a service (or a JSON list of them) per row, and hands each
// row to add.
func (e *Engine) runTotals(ctx context.Context, tenant logstorage.TenantID, query string, start, end int64, servicesField string,
	add func(id string, services []string, n uint64, first, last int64),
) error {
	var (
		mu   sync.Mutex
		errs []error
	)
	err := e.run(ctx, tenant, query, start, end, func(db *logstorage.DataBlock) {
		cols := columnsByName(db)
		for i := range db.RowsCount() {
			id := e.numbers.patternID(cols[fieldPatternID][i])
			if id == "" {
				continue // records without a pattern
			}
			n, err1 := strconv.ParseUint(cols["n"][i], 10, 64)
			first, err2 := parseTime(cols["first"][i])
			last, err3 := parseTime(cols["last"][i])
			services := []string{cols[servicesField][i]}
			var err4 error
			if servicesField == fieldRollupServices {
				services = nil
				err4 = json.Unmarshal([]byte(cols[servicesField][i]), &services)
			}
			if err := errors.Join(err1, err2, err3, err4); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				continue
			}
			add(id, services, n, first, last)
		}
	})
	if err == nil && len(errs) > 0 {
		err = fmt.Errorf("read pattern totals: %w", errs[0])
	}
	return err
}

// parseTime reads Unix nanoseconds or an RFC 3339 time.
func parseTime(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UnixNano(), err
}

func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
