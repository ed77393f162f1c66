package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/paylog/paylog/internal/logquery"
)

const (
	defaultHistogramBuckets = 60
	maxHistogramBuckets     = 1000
	defaultHistogramRange   = time.Hour
)

// niceIntervals are the bucket widths a histogram picks from: the smallest
// that keeps the range within the buckets asked for.
var niceIntervals = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	7 * 24 * time.Hour,
}

// handleHistogram answers GET /logs/histogram: the counts of the records a
// search would find, per time bucket and level.
func (s *searchAPI) handleHistogram(w http.ResponseWriter, r *http.Request) {
	serveStoreQuery(s, w, r, "histogram", parseHistogramRequest,
		func(ctx context.Context, req *logquery.HistogramRequest, tenant string) (*logquery.Histogram, error) {
			req.Tenant = tenant
			return s.store.Histogram(ctx, req)
		})
}

// parseHistogramRequest takes the search filters, start_time (default an
// hour before end_time) and end_time (default now), and buckets (default
// 60): the range is widened to whole buckets of a round width.
func parseHistogramRequest(q url.Values, now time.Time) (*logquery.HistogramRequest, error) {
	if err := checkParams(q); err != nil {
		return nil, err
	}
	filter, err := parseFilter(q)
	if err != nil {
		return nil, err
	}
	start, end, err := parseTimeRange(q, now)
	if err != nil {
		return nil, err
	}
	buckets, err := intParam(q, "buckets", defaultHistogramBuckets, 1, maxHistogramBuckets, "")
	if err != nil {
		return nil, err
	}
	if end.IsZero() {
		end = now
	}
	if start.IsZero() {
		start = end.Add(-defaultHistogramRange)
	}
	interval := niceIntervals[len(niceIntervals)-1]
	for _, d := range niceIntervals {
		if end.Sub(start) <= d*time.Duration(buckets) {
			interval = d
			break
		}
	}
	if end.Sub(start) > interval*maxHistogramBuckets {
		return nil, badParam("start_time", "the range is too long for a histogram: at most %d buckets of %s", maxHistogramBuckets, interval)
	}
	start = floorToInterval(start, interval)
	if rounded := floorToInterval(end, interval); rounded.Before(end) || rounded.Equal(start) {
		end = rounded.Add(interval)
	} else {
		end = rounded
	}
	return &logquery.HistogramRequest{Filter: filter, Start: start, End: end, Interval: interval}, nil
}

// floorToInterval rounds t down to a multiple of d since the Unix epoch, as
// both stores align their buckets (time.Truncate counts from year 1, which
// puts week buckets on another weekday).
func floorToInterval(t time.Time, d time.Duration) time.Time {
	ns := t.UnixNano()
	rem := ns % int64(d)
	if rem < 0 {
		rem += int64(d)
	}
	return time.Unix(0, ns-rem).UTC()
}
