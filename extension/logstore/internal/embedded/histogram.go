package embedded

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"github.com/paylog/paylog/internal/logquery"
)

// Histogram counts the matching records per time bucket and level in the
// engine: one stats query grouped by the bucket and the level field.
func (e *Engine) Histogram(ctx context.Context, req *logquery.HistogramRequest) (*logquery.Histogram, error) {
	h := logquery.NewHistogram(req)
	query := fmt.Sprintf("%s | stats by (_time:%dms, %s) count() as n",
		e.toLogsQL(req.Filter), req.Interval.Milliseconds(), fieldLevel)
	var (
		mu   sync.Mutex
		errs []error
	)
	err := e.run(ctx, tenantID(req.Tenant), query, req.Start.UnixNano(), req.End.UnixNano()-1, func(db *logstorage.DataBlock) {
		cols := columnsByName(db)
		mu.Lock()
		defer mu.Unlock()
		for i := range cols["n"] {
			at, err := time.Parse(time.RFC3339Nano, cols["_time"][i])
			if err != nil {
				errs = append(errs, fmt.Errorf("histogram bucket time %q: %w", cols["_time"][i], err))
				continue
			}
			n, err := strconv.ParseUint(cols["n"][i], 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("histogram count %q: %w", cols["n"][i], err))
				continue
			}
			h.Add(at, cols[fieldLevel][i], n)
		}
	})
	if err == nil && len(errs) > 0 {
		err = errs[0]
	}
	if err != nil {
		return nil, err
	}
	return h, nil
}
