package embedded

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/paylog/paylog/internal/logquery"
)

// Histogram counts the matching records per time bucket and level in the
// engine: one stats query grouped by the bucket and the level field.
func (e *Engine) Histogram(ctx context.Context, req *logquery.HistogramRequest) (*logquery.Histogram, error) {
	h := logquery.NewHistogram(req)
	query := fmt.Sprintf("%s | stats by (_time:%dms, %s) count() as n",
		e.toLogsQL(req.Filter), req.Interval.Milliseconds(), fieldLevel)
	err := e.readRows(ctx, tenantID(req.Tenant), query, req.Start.UnixNano(), req.End.UnixNano()-1, func(cols map[string][]string, i int) error {
		at, err := time.Parse(time.RFC3339Nano, cols["_time"][i])
		if err != nil {
			return fmt.Errorf("histogram bucket time %q: %w", cols["_time"][i], err)
		}
		n, err := strconv.ParseUint(cols["n"][i], 10, 64)
		if err != nil {
			return fmt.Errorf("histogram count %q: %w", cols["n"][i], err)
		}
		h.Add(at, cols[fieldLevel][i], n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}
