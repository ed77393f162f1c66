package logquery

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// timestampLayouts are the ISO 8601 forms accepted, tried in order; the ones
// without a zone are UTC.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

var errTimestamp = errors.New("must be an ISO 8601 / RFC 3339 timestamp such as 2024-01-01T12:00:00Z (no zone means UTC)")

// ParseTimestamp parses an ISO 8601 timestamp; one without a zone is UTC.
func ParseTimestamp(s string) (time.Time, error) {
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errTimestamp
}

var errTimeParam = errors.New("must be an ISO 8601 timestamp (2024-01-01T00:00:00Z; no zone means UTC), now, or now-<n><s|m|h|d|w> such as now-1h")

// ParseTimeParam parses a search time bound: a timestamp, "now" or a time
// relative to now such as "now-15m", "now-24h" or "now-7d".
func ParseTimeParam(s string, now time.Time) (time.Time, error) {
	rest, ok := strings.CutPrefix(s, "now")
	if !ok {
		t, err := ParseTimestamp(s)
		if err != nil {
			return time.Time{}, errTimeParam
		}
		return t, nil
	}
	if rest == "" {
		return now, nil
	}
	if len(rest) < 3 || rest[0] != '-' {
		return time.Time{}, errTimeParam
	}
	n, err := strconv.ParseUint(rest[1:len(rest)-1], 10, 32)
	if err != nil {
		return time.Time{}, errTimeParam
	}
	var unit time.Duration
	switch rest[len(rest)-1] {
	case 's':
		unit = time.Second
	case 'm':
		unit = time.Minute
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	default:
		return time.Time{}, errTimeParam
	}
	if n > uint64(100*365*24*time.Hour/unit) {
		return time.Time{}, errTimeParam
	}
	return now.Add(-time.Duration(n) * unit), nil
}
