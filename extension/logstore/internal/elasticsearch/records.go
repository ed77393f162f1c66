package elasticsearch

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paylog/paylog/internal/logquery"
)

// hit is one search hit.
type hit struct {
	ID     string            `json:"_id"`
	Source document          `json:"_source"`
	Sort   []json.RawMessage `json:"sort"`
}

// document is a log record as the elasticsearch exporter writes it in the
// otel mapping mode.
type document struct {
	Timestamp      json.RawMessage `json:"@timestamp"`
	SeverityText   string          `json:"severity_text"`
	SeverityNumber int32           `json:"severity_number"`
	TraceID        string          `json:"trace_id"`
	SpanID         string          `json:"span_id"`
	Attributes     map[string]any  `json:"attributes"`
	Resource       struct {
		Attributes map[string]any `json:"attributes"`
	} `json:"resource"`
	Body struct {
		Text       any `json:"text"`
		Structured any `json:"structured"`
	} `json:"body"`
}

// record maps a hit back to the API's LogEntry shape (design.md §4).
func (h *hit) record() (logquery.Record, error) {
	d := &h.Source
	r := logquery.Record{
		ID:            h.ID,
		Level:         logquery.LevelFromSeverity(d.SeverityNumber, d.SeverityText),
		Message:       d.message(),
		Source:        stringValue(d.Resource.Attributes["host.name"]),
		Service:       optional(stringValue(d.Resource.Attributes["service.name"])),
		TraceID:       optional(d.TraceID),
		SpanID:        optional(d.SpanID),
		CorrelationID: optional(stringValue(d.Attributes[logquery.AttrCorrelationID])),
		PatternID:     optional(stringValue(d.Attributes[logquery.AttrPatternID])),
		Pattern:       optional(stringValue(d.Attributes[logquery.AttrPatternTemplate])),
	}
	// The first sort value is the timestamp, formatted by the search.
	raw := d.Timestamp
	if len(h.Sort) > 0 {
		raw = h.Sort[0]
	}
	if len(raw) == 0 {
		return r, errors.New("no @timestamp")
	}
	var err error
	if r.Timestamp, err = documentTime(raw); err != nil {
		return r, err
	}
	for k, v := range d.Attributes {
		switch k {
		case logquery.AttrCorrelationID, logquery.AttrPatternID, logquery.AttrPatternTemplate:
			continue
		}
		if r.Metadata == nil {
			r.Metadata = map[string]any{}
		}
		r.Metadata[k] = v
	}
	return r, nil
}

// message is the body as text: a structured body as its JSON.
func (d *document) message() string {
	if d.Body.Text != nil {
		return stringValue(d.Body.Text)
	}
	if d.Body.Structured != nil {
		raw, _ := json.Marshal(d.Body.Structured)
		return string(raw)
	}
	return ""
}

// stringValue is a JSON value as text: strings as they are, others as JSON.
func stringValue(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// epochMillisText reads the exporter's "<epoch millis>.<nanos within the
// millisecond>" timestamps, e.g. "1732780800123.456789".
func epochMillisText(text string) (time.Time, error) {
	whole, frac, _ := strings.Cut(text, ".")
	millis, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is neither RFC 3339 nor epoch milliseconds", text)
	}
	var nanos int64
	if frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		frac += strings.Repeat("0", 6-len(frac))
		if nanos, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, fmt.Errorf("timestamp %q has a bad fraction", text)
		}
	}
	return time.Unix(0, millis*int64(time.Millisecond)+nanos).UTC(), nil
}
