package searchapi

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistogramRequestPicksRoundBuckets(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 17, 42, 0, time.UTC)
	for _, tc := range []struct {
		params     url.Values
		interval   time.Duration
		start, end time.Time
	}{
		{url.Values{}, time.Minute, time.Date(2026, 11, 28, 9, 17, 0, 0, time.UTC), time.Date(2026, 11, 28, 10, 18, 0, 0, time.UTC)},
		{url.Values{"start_time": {"now-24h"}, "buckets": {"48"}}, 30 * time.Minute,
			time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC)},
		{url.Values{"start_time": {"now-5m"}, "buckets": {"100"}}, 5 * time.Second,
			time.Date(2026, 11, 28, 10, 12, 40, 0, time.UTC), time.Date(2026, 11, 28, 10, 17, 45, 0, time.UTC)},
		// Week buckets start on the epoch's weekday (a Thursday), as both stores' do.
		{url.Values{"start_time": {"2026-01-03T00:00:00Z"}, "buckets": {"30"}}, 7 * 24 * time.Hour,
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)},
	} {
		req, err := parseHistogramRequest(tc.params, now)
		require.NoError(t, err, "%v", tc.params)
		assert.Equal(t, tc.interval, req.Interval, "%v", tc.params)
		assert.Equal(t, tc.start, req.Start, "%v", tc.params)
		assert.Equal(t, tc.end, req.End, "%v", tc.params)
	}
	for params, field := range map[string]string{"buckets=0": "buckets", "buckets=1001": "buckets", "start_time=now-1h&end_time=now-2h": "end_time", "level=LOUD": "level", "start_time=2000-01-01T00:00:00Z": "start_time"} {
		q, _ := url.ParseQuery(params)
		_, err := parseHistogramRequest(q, now)
		require.Error(t, err, params)
		assert.Contains(t, err.Error(), field, params)
	}
}
