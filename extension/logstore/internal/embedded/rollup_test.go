package embedded

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/tenant"
)

// rollupWorkload writes batches of records of 6 patterns, 3 services, 3
// levels and 2 tenants (and none) spread over the last 40 minutes.
func rollupWorkload(t *testing.T, e *Engine, now time.Time) {
	r := rand.New(rand.NewPCG(7, 11))
	levels := []plog.SeverityNumber{plog.SeverityNumberInfo, plog.SeverityNumberError, plog.SeverityNumberFatal}
	for batch := range 12 {
		ld := plog.NewLogs()
		for _, tenantName := range []string{"", "acme", "globex"} {
			for s := range 3 {
				rl := ld.ResourceLogs().AppendEmpty()
				rl.Resource().Attributes().PutStr("service.name", fmt.Sprintf("svc-%d", s))
				if tenantName != "" {
					rl.Resource().Attributes().PutStr(tenant.ResourceAttribute, tenantName)
				}
				lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
				for i := range 40 {
					rec := lrs.AppendEmpty()
					rec.SetTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Duration(r.Int64N(int64(40 * time.Minute))))))
					rec.SetSeverityNumber(levels[r.IntN(len(levels))])
					id := fmt.Sprintf("p%d", r.IntN(6))
					rec.Body().SetStr(fmt.Sprintf("message %d %d of %s", batch, i, id))
					if i%17 != 0 { // some records have no pattern
						rec.Attributes().PutStr(AttrPatternID, id)
					}
				}
			}
		}
		_, err := e.AddLogs(ld)
		require.NoError(t, err)
	}
	require.NoError(t, e.WaitDurable(context.Background()))
}

// The rollup rows answer /logs/patterns exactly as counting the records
// does: ranges that start and end inside minutes, filters on level,
// service and pattern, and tenants.
func TestRollupsCountAsTheRecordsDo(t *testing.T) {
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now().UTC()
	rollupWorkload(t, e, now)
	require.Equal(t, int64(math.MinInt64), e.rollupSince, "a new store has rollups for everything")

	level := func(l string) logquery.Node { return &logquery.Term{Field: logquery.FieldLevel, Value: l} }
	filters := map[string]logquery.Node{
		"all":             logquery.MatchAll{},
		"errors":          logquery.OrOf(level("ERROR"), level("CRITICAL")),
		"one service":     &logquery.Term{Field: logquery.FieldService, Value: "svc-1"},
		"not info":        &logquery.Not{Child: level("INFO")},
		"pattern":         &logquery.Term{Field: logquery.FieldPatternID, Value: "p3"},
		"pattern and svc": logquery.AndOf(&logquery.Term{Field: logquery.FieldPatternID, Value: "p3"}, &logquery.Term{Field: logquery.FieldService, Value: "svc-2"}),
	}
	// Rollup rows do not know the service of each record.
	servicesFiltered := map[string]bool{"one service": true, "pattern and svc": true}
	ranges := map[string][2]time.Time{
		"last hour":         {now.Add(-time.Hour), now},
		"inside minutes":    {now.Add(-27*time.Minute - 13*time.Second), now.Add(-3*time.Minute - 41*time.Second)},
		"within one minute": {now.Add(-10*time.Minute - 50*time.Second), now.Add(-10*time.Minute - 10*time.Second)},
		"no end":            {now.Add(-33*time.Minute - 7*time.Second), {}},
	}
	for _, tenantName := range []string{"", "acme"} {
		for fname, filter := range filters {
			for rname, rng := range ranges {
				req := &logquery.PatternsRequest{Filter: filter, Start: rng[0], End: rng[1], Limit: 100, Tenant: tenantName}
				start, end := timeBounds(req.Start, req.End)
				_, rolledUp, err := e.rolledUpPatterns(context.Background(), tenantID(tenantName), req, logquery.ToLogsQL(req.Filter), start, end)
				require.NoError(t, err)
				// A range inside one minute has no whole minute to read rollups of.
				assert.Equal(t, rname != "within one minute" && !servicesFiltered[fname], rolledUp, "%s, %s: rollups used", fname, rname)
				fromRollups, err := e.Patterns(context.Background(), req)
				require.NoError(t, err)

				e.rollupSince = math.MaxInt64 // the records only
				fromRecords, err := e.Patterns(context.Background(), req)
				e.rollupSince = math.MinInt64
				require.NoError(t, err)
				require.NotEmpty(t, fromRecords, "%s, %s", fname, rname)
				assert.Equal(t, fromRecords, fromRollups, "tenant %q, %s, %s", tenantName, fname, rname)
			}
		}
	}
}

// A store that held records before rollups existed counts from the records
// until no record written before could lie in the range.
func TestRollupsStartAfterOlderRecords(t *testing.T) {
	dir := t.TempDir()
	e := openTestEngine(t, dir)
	rollupWorkload(t, e, time.Now().UTC())
	e.Close()
	// As a store of the version before rollups: records, no marker.
	require.NoError(t, os.Remove(filepath.Join(dir, rollupSinceFile)))
	e = openTestEngine(t, dir)
	defer e.Close()
	_, newest := e.window(time.Now())
	assert.Equal(t, newest+1, e.rollupSince)
	req := &logquery.PatternsRequest{Filter: logquery.MatchAll{}, Start: time.Now().Add(-time.Hour), Limit: 10}
	_, rolledUp, err := e.rolledUpPatterns(context.Background(), defaultTenant, req, logquery.ToLogsQL(req.Filter), req.Start.UnixNano(), math.MaxInt64)
	require.NoError(t, err)
	assert.False(t, rolledUp)
	got, err := e.Patterns(context.Background(), req)
	require.NoError(t, err)
	assert.NotEmpty(t, got)
}

// A rollup row keeps the first services in order, so the first of a
// pattern's services over many rows are among the first of each row's;
// past the 64th service of a batch too.
func TestRollupKeepsTheFirstServices(t *testing.T) {
	rb := rowBuilder{pattern: &batchPattern{}, patternID: "p1"}
	var want []string
	const services = 70
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(services) {
		service := fmt.Sprintf("svc-%02d", i)
		rb.countRollup(defaultTenant, service, rb.serviceNumber(service), "ERROR", 42)
		rb.countRollup(defaultTenant, service, rb.serviceNumber(service), "ERROR", 43) // again: kept once
	}
	for i := range maxPatternServices {
		want = append(want, fmt.Sprintf("svc-%02d", i))
	}
	require.Len(t, rb.pattern.rollups, 1)
	for _, v := range rb.pattern.rollups {
		assert.Equal(t, want, v.services)
		assert.EqualValues(t, 2*services, v.n)
		assert.EqualValues(t, 42, v.first)
		assert.EqualValues(t, 43, v.last)
	}
}
