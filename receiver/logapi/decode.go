package logapi // import "github.com/paylog/paylog/receiver/logapi"

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/tenant"
)

// maxReportedErrors caps the per-entry errors listed in one response.
const (
	maxReportedErrors = 1000
	maxMetadataDepth  = 8
	attrCorrelationID = logquery.AttrCorrelationID
)

// EntryError is one rejected field of one entry of a request.
type EntryError struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// batchDecoder validates LogEntry JSON values and builds the plog.Logs of
// the valid ones: one ResourceLogs per (service, source).
type batchDecoder struct {
	limits        LimitsConfig
	now           time.Time
	correlationID string
	// tenant is the request's tenant, "" for the default one.
	tenant string

	logs      plog.Logs
	resources map[resourceKey]plog.LogRecordSlice
	accepted  int
	rejected  int
	// rejectedBy counts rejected entries by the field of their first error.
	rejectedBy map[string]int
	errors     []EntryError
	truncated  bool

	entryErrs []EntryError
	scratch   []byte
	keys      int
	// chunk is where the request's short strings are copied to: one
	// allocation per chunk instead of one per string (BenchmarkDecodeBatch:
	// 11.2 → 7.2 allocations and 1,836 → 1,529 ns per entry).
	chunk []byte
}

// Strings up to maxChunkedString bytes share chunks of stringChunk bytes;
// a string keeps its whole chunk alive, so longer ones get their own.
const (
	stringChunk      = 16 << 10
	maxChunkedString = 1 << 10
)

// str returns b as a string, copied into the current chunk.
func (d *batchDecoder) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxChunkedString {
		return string(b)
	}
	if cap(d.chunk)-len(d.chunk) < len(b) {
		d.chunk = make([]byte, 0, stringChunk)
	}
	start := len(d.chunk)
	d.chunk = append(d.chunk, b...)
	return unsafe.String(&d.chunk[start], len(b))
}

type resourceKey struct{ service, source string }

func newBatchDecoder(limits LimitsConfig, now time.Time, correlationID string) *batchDecoder {
	return &batchDecoder{
		limits:        limits,
		now:           now,
		correlationID: correlationID,
		logs:          plog.NewLogs(),
		resources:     map[resourceKey]plog.LogRecordSlice{},
	}
}

// reject records an entry-level error that is not about one field.
func (d *batchDecoder) reject(index int, field, msg string) {
	d.rejected++
	d.countRejected(field)
	d.report(EntryError{Index: index, Field: field, Message: msg})
}

func (d *batchDecoder) countRejected(field string) {
	if d.rejectedBy == nil {
		d.rejectedBy = map[string]int{}
	}
	d.rejectedBy[field]++
}

func (d *batchDecoder) report(e EntryError) {
	if len(d.errors) >= maxReportedErrors {
		d.truncated = true
		return
	}
	d.errors = append(d.errors, e)
}

// entry is a validated LogEntry; strings still point into the parser.
type entry struct {
	timestamp time.Time
	level     string
	message   []byte
	source    []byte
	service   []byte
	traceID   pcommon.TraceID
	spanID    pcommon.SpanID
	metadata  *fastjson.Object
}

func (d *batchDecoder) fieldError(index int, field, format string, args ...any) {
	d.entryErrs = append(d.entryErrs, EntryError{Index: index, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)})
}

// add validates one LogEntry value and, when it is valid, appends it.
func (d *batchDecoder) add(index int, v *fastjson.Value) {
	d.entryErrs = d.entryErrs[:0]
	obj, err := v.Object()
	if err != nil {
		d.reject(index, "entry", fmt.Sprintf("entry: must be a JSON object, got %s", v.Type()))
		return
	}
	var e entry
	var hasLevel, hasMessage, hasSource bool
	obj.Visit(func(key []byte, fv *fastjson.Value) {
		switch string(key) {
		case "timestamp":
			d.decodeTimestamp(index, fv, &e)
		case "level":
			hasLevel = true
			d.decodeLevel(index, fv, &e)
		case "message":
			hasMessage = true
			e.message = d.decodeString(index, "message", fv, d.limits.MaxMessageBytes, true)
		case "source":
			hasSource = true
			e.source = d.decodeString(index, "source", fv, d.limits.MaxFieldBytes, true)
		case "service":
			e.service = d.decodeString(index, "service", fv, d.limits.MaxFieldBytes, false)
		case "trace_id":
			d.decodeHexID(index, "trace_id", fv, e.traceID[:])
		case "span_id":
			d.decodeHexID(index, "span_id", fv, e.spanID[:])
		case "metadata":
			e.metadata = d.decodeMetadata(index, fv)
		}
	})
	if !hasLevel {
		d.fieldError(index, "level", "is required (DEBUG, INFO, WARNING, ERROR or CRITICAL)")
	}
	if !hasMessage {
		d.fieldError(index, "message", "is required")
	}
	if !hasSource {
		d.fieldError(index, "source", "is required")
	}
	if len(d.entryErrs) > 0 {
		d.rejected++
		d.countRejected(d.entryErrs[0].Field)
		for _, fe := range d.entryErrs {
			d.report(fe)
		}
		return
	}
	d.appendRecord(&e)
	d.accepted++
}

func (d *batchDecoder) decodeTimestamp(index int, v *fastjson.Value, e *entry) {
	switch v.Type() {
	case fastjson.TypeNull:
		return
	case fastjson.TypeString:
	default:
		d.fieldError(index, "timestamp", "must be a string such as 2024-01-01T12:00:00Z, got %s", v.Type())
		return
	}
	t, err := logquery.ParseTimestamp(string(v.GetStringBytes()))
	if err != nil {
		d.fieldError(index, "timestamp", "%s", err.Error())
		return
	}
	if age := d.limits.MaxTimestampAge; age > 0 && t.Before(d.now.Add(-age)) {
		d.fieldError(index, "timestamp", "is older than the store keeps (%s before now); it would be dropped", age)
		return
	}
	if ahead := d.limits.MaxTimestampFuture; ahead > 0 && t.After(d.now.Add(ahead)) {
		d.fieldError(index, "timestamp", "is more than %s in the future", ahead)
		return
	}
	e.timestamp = t
}

func (d *batchDecoder) decodeLevel(index int, v *fastjson.Value, e *entry) {
	if v.Type() != fastjson.TypeString {
		d.fieldError(index, "level", "must be a string (DEBUG, INFO, WARNING, ERROR or CRITICAL), got %s", v.Type())
		return
	}
	raw := v.GetStringBytes()
	level, ok := logquery.NormalizeLevel(string(raw))
	if !ok {
		d.fieldError(index, "level", "%q is not a level (DEBUG, INFO, WARNING, ERROR or CRITICAL; WARN and FATAL are aliases)", truncateForMessage(raw))
		return
	}
	e.level = level
}

// decodeString validates a string field; optional fields may be null.
func (d *batchDecoder) decodeString(index int, field string, v *fastjson.Value, maxBytes int, required bool) []byte {
	switch v.Type() {
	case fastjson.TypeString:
	case fastjson.TypeNull:
		if required {
			d.fieldError(index, field, "is required and must not be null")
		}
		return nil
	default:
		d.fieldError(index, field, "must be a string, got %s", v.Type())
		return nil
	}
	s := v.GetStringBytes()
	if required && len(bytes.TrimSpace(s)) == 0 {
		d.fieldError(index, field, "must not be empty")
		return nil
	}
	if len(s) > maxBytes {
		d.fieldError(index, field, "is %d bytes, over the limit of %d", len(s), maxBytes)
		return nil
	}
	if !utf8.Valid(s) {
		d.fieldError(index, field, "is not valid UTF-8")
		return nil
	}
	return s
}

// decodeHexID decodes a hex id of len(dst) bytes into dst; dst stays zero
// (no id) when the value is null or empty, or wrong (a field error).
func (d *batchDecoder) decodeHexID(index int, field string, v *fastjson.Value, dst []byte) {
	size := len(dst)
	switch v.Type() {
	case fastjson.TypeNull:
		return
	case fastjson.TypeString:
	default:
		d.fieldError(index, field, "must be a string of %d hexadecimal characters, got %s", 2*size, v.Type())
		return
	}
	s := v.GetStringBytes()
	if len(s) == 0 {
		return
	}
	if len(s) != 2*size {
		d.fieldError(index, field, "must be %d hexadecimal characters, got %d characters", 2*size, len(s))
		return
	}
	if _, err := hex.Decode(dst, s); err != nil {
		clear(dst)
		d.fieldError(index, field, "must be %d hexadecimal characters: %q is not hexadecimal", 2*size, truncateForMessage(s))
		return
	}
	if bytes.Count(dst, []byte{0}) == size {
		d.fieldError(index, field, "must not be all zeros (an invalid id in W3C Trace Context)")
	}
}

func (d *batchDecoder) decodeMetadata(index int, v *fastjson.Value) *fastjson.Object {
	switch v.Type() {
	case fastjson.TypeNull:
		return nil
	case fastjson.TypeObject:
	default:
		d.fieldError(index, "metadata", "must be a JSON object, got %s", v.Type())
		return nil
	}
	d.scratch = v.MarshalTo(d.scratch[:0])
	if len(d.scratch) > d.limits.MaxMetadataBytes {
		d.fieldError(index, "metadata", "is %d bytes as JSON, over the limit of %d", len(d.scratch), d.limits.MaxMetadataBytes)
		return nil
	}
	obj := v.GetObject()
	d.keys = 0
	if field, msg := d.checkMetadata(obj, "metadata", 1); msg != "" {
		d.fieldError(index, field, "%s", msg)
		return nil
	}
	return obj
}

// checkMetadata bounds the keys, key lengths and depth of metadata; it
// returns the offending field path and why.
func (d *batchDecoder) checkMetadata(obj *fastjson.Object, path string, depth int) (string, string) {
	if depth > maxMetadataDepth {
		return path, fmt.Sprintf("nests deeper than %d levels", maxMetadataDepth)
	}
	var field, msg string
	obj.Visit(func(key []byte, v *fastjson.Value) {
		if msg != "" {
			return
		}
		d.keys++
		// The key's path is built only when needed: for nearly every key
		// it is not (one allocation per metadata key).
		child := func() string { return path + "." + string(key) }
		switch {
		case d.keys > d.limits.MaxMetadataKeys:
			field, msg = "metadata", fmt.Sprintf("has more than %d keys", d.limits.MaxMetadataKeys)
		case len(key) == 0:
			field, msg = path, "has an empty key"
		case len(path)+1+len(key)-len("metadata.") > d.limits.MaxFieldBytes:
			field, msg = truncateForMessage([]byte(child())), fmt.Sprintf("key path is longer than %d bytes", d.limits.MaxFieldBytes)
		case !utf8.Valid(key):
			field, msg = path, "has a key that is not valid UTF-8"
		case v.Type() == fastjson.TypeObject:
			field, msg = d.checkMetadata(v.GetObject(), child(), depth+1)
		case v.Type() == fastjson.TypeArray:
			field, msg = checkMetadataValue(v, child(), depth)
		default:
			if problem := scalarProblem(v); problem != "" {
				field, msg = child(), problem
			}
		}
	})
	return field, msg
}

// checkMetadataValue rejects what the store or a JSON answer could not carry
// faithfully: invalid UTF-8 and numbers out of float64 range (1e400).
func checkMetadataValue(v *fastjson.Value, path string, depth int) (string, string) {
	switch v.Type() {
	case fastjson.TypeArray:
		if depth > maxMetadataDepth {
			return path, fmt.Sprintf("nests deeper than %d levels", maxMetadataDepth)
		}
		for i, item := range v.GetArray() {
			child := fmt.Sprintf("%s[%d]", path, i)
			if item.Type() == fastjson.TypeObject {
				return child, "arrays of objects are not supported; use an object keyed by name"
			}
			if field, msg := checkMetadataValue(item, child, depth+1); msg != "" {
				return field, msg
			}
		}
	default:
		if problem := scalarProblem(v); problem != "" {
			return path, problem
		}
	}
	return "", ""
}

// scalarProblem says why a scalar cannot be kept faithfully, or "".
func scalarProblem(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeString:
		if !utf8.Valid(v.GetStringBytes()) {
			return "is not valid UTF-8"
		}
	case fastjson.TypeNumber:
		if f := v.GetFloat64(); math.IsInf(f, 0) || math.IsNaN(f) {
			return "is a number out of range"
		}
	}
	return ""
}

func truncateForMessage(b []byte) string {
	const max = 64
	if len(b) > max {
		return strings.ToValidUTF8(string(b[:max]), "") + "…"
	}
	return strings.ToValidUTF8(string(b), "")
}

func (d *batchDecoder) appendRecord(e *entry) {
	key := resourceKey{service: d.str(e.service), source: d.str(e.source)}
	records, ok := d.resources[key]
	if !ok {
		rl := d.logs.ResourceLogs().AppendEmpty()
		attrs := rl.Resource().Attributes()
		if key.service != "" {
			attrs.PutStr(string(semconv.ServiceNameKey), key.service)
		}
		attrs.PutStr(string(semconv.HostNameKey), key.source)
		if d.tenant != "" {
			attrs.PutStr(tenant.ResourceAttribute, d.tenant)
		}
		records = rl.ScopeLogs().AppendEmpty().LogRecords()
		d.resources[key] = records
	}
	r := records.AppendEmpty()
	ts := e.timestamp
	if ts.IsZero() {
		ts = d.now
	}
	r.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	r.SetObservedTimestamp(pcommon.NewTimestampFromTime(d.now))
	r.SetSeverityText(e.level)
	r.SetSeverityNumber(plog.SeverityNumber(logquery.SeverityNumber(e.level)))
	r.Body().SetStr(d.str(e.message))
	r.SetTraceID(e.traceID)
	r.SetSpanID(e.spanID)
	attrs := r.Attributes()
	// Room for the correlation id and the patterns processor's two
	// attributes: growing the map later copies it.
	const addedAttributes = 3
	if e.metadata != nil {
		attrs.EnsureCapacity(e.metadata.Len() + addedAttributes)
		d.putObject(attrs, e.metadata)
	} else {
		attrs.EnsureCapacity(addedAttributes)
	}
	// Set last so that metadata cannot overwrite the request's id.
	attrs.PutStr(attrCorrelationID, d.correlationID)
}

func (d *batchDecoder) putObject(m pcommon.Map, obj *fastjson.Object) {
	obj.Visit(func(key []byte, v *fastjson.Value) {
		d.putValue(m.PutEmpty(d.str(key)), v)
	})
}

func (d *batchDecoder) putValue(dst pcommon.Value, v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeString:
		dst.SetStr(d.str(v.GetStringBytes()))
	case fastjson.TypeNumber:
		if i, err := v.Int64(); err == nil {
			dst.SetInt(i)
		} else {
			dst.SetDouble(v.GetFloat64())
		}
	case fastjson.TypeTrue:
		dst.SetBool(true)
	case fastjson.TypeFalse:
		dst.SetBool(false)
	case fastjson.TypeObject:
		d.putObject(dst.SetEmptyMap(), v.GetObject())
	case fastjson.TypeArray:
		s := dst.SetEmptySlice()
		for _, item := range v.GetArray() {
			d.putValue(s.AppendEmpty(), item)
		}
	}
	// null stays an empty value.
}
