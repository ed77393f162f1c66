package embedded

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/tenant"
)

// Stored field names. service and source are the stream fields: the engine
// groups rows by them, which makes filtering on them nearly free.
const (
	fieldService       = "service"
	fieldSource        = "source"
	fieldMessage       = "_msg"
	fieldLevel         = "level"
	fieldTraceID       = "trace_id"
	fieldSpanID        = "span_id"
	fieldID            = "id"
	fieldCorrelationID = "correlation_id"
	fieldPatternID     = "pattern_id"
	fieldPattern       = "pattern"
	fieldMetadata      = "metadata"
	fieldMetadataShape = "metadata_shape"
	resourcePrefix     = "resource."

	// Record attributes with a field of their own.
	AttrCorrelationID   = logquery.AttrCorrelationID
	AttrPatternID       = logquery.AttrPatternID
	AttrPatternTemplate = logquery.AttrPatternTemplate
)

// Engine limits (lib/logstorage drops, with only a log line, rows over them).
const (
	maxFieldNameBytes = 128
	maxFieldsPerRow   = 1000
	// maxRowBytes stays under the engine's 2 MiB block limit with room for
	// JSON escaping, which the engine counts.
	maxRowBytes = 1 << 20
)

// defaultTenant holds the records of no tenant; catalogTenant the pattern
// templates; a named tenant's records are under tenantID(name).
var defaultTenant = logstorage.TenantID{}

// tenantID maps a tenant name to the engine's numeric tenant: a 63-bit hash
// with the top bit of the account set, so that no name maps to the default
// or the catalog tenant.
func tenantID(name string) logstorage.TenantID {
	if name == "" {
		return defaultTenant
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	sum := h.Sum64()
	return logstorage.TenantID{AccountID: uint32(sum>>32) | 1<<31, ProjectID: uint32(sum)}
}

// rowBuilder turns plog records into engine rows, reusing its buffers.
type rowBuilder struct {
	fields []logstorage.Field
	buf    []byte
	spans  []bufSpan
	// idBase is the batch's random part of its record ids; sameTime counts
	// the batch's records per timestamp (see appendID).
	idBase   string
	sameTime map[int64]uint32

	// The pattern of the row being built, and the templates of the batch
	// the catalog does not hold yet.
	patternID, template string
	level               string
	templates           []catalogEntry
	batchTemplates      map[catalogKey]string
	// patterns holds what the batch's rows of each pattern share, by id;
	// pattern is the row's.
	patterns map[string]*batchPattern
	pattern  *batchPattern
	// recentPatterns hold the batch's patterns by a slot of their id, so
	// that most rows find theirs without hashing the id.
	recentPatterns [64]recentPattern
	// services numbers the batch's services (see serviceNumber); the last
	// row's is service, numbered serviceIndex.
	services     map[string]int
	service      string
	serviceIndex int
	// numberRows are the number rows added since rows were last handed to
	// the store (see numbers.go); numberBuf is scratch for them.
	numberRows []numberDay
	numberBuf  []byte
	// numberRowsAdded counts the batch's number rows.
	numberRowsAdded int
	// shapes caches metadataShape for metadata without lists, by their keys
	// and types in order (see cachedShape); shapeKey is scratch.
	shapes   map[string]shapeResult
	shapeKey []byte
}

type recentPattern struct {
	id      string
	pattern *batchPattern
}

// batchPattern is what a batch's rows of one pattern share: what they store
// for its id (its number's digits, or the id past maxPatternNumbers), the
// last day its number row was seen to, and the pattern's rollup rows.
type batchPattern struct {
	number   uint32
	numbered bool
	stored   string
	day      int64
	hasDay   bool
	rollups  []*rollupValue
}

type shapeResult struct {
	shape string
	ok    bool
}

// maxCachedShapes bounds rowBuilder.shapes; past it the cache starts over.
const maxCachedShapes = 4096

// cachedShape is metadataShape(attrs, isMetadataAttribute), remembered per
// sequence of keys and value types, maps included, when no value is a list:
// the shape depends on nothing else then, and building it took maps and a
// JSON encoding per record.
func (rb *rowBuilder) cachedShape(attrs pcommon.Map) (string, bool) {
	key, cacheable := appendShapeKey(rb.shapeKey[:0], attrs, true)
	rb.shapeKey = key
	if !cacheable {
		return metadataShape(attrs, isMetadataAttribute)
	}
	if r, ok := rb.shapes[string(key)]; ok {
		return r.shape, r.ok
	}
	shape, ok := metadataShape(attrs, isMetadataAttribute)
	if rb.shapes == nil || len(rb.shapes) >= maxCachedShapes {
		rb.shapes = map[string]shapeResult{}
	}
	rb.shapes[string(key)] = shapeResult{shape, ok}
	return shape, ok
}

// appendShapeKey appends to key what the shape of m depends on: per entry
// its key (length-prefixed: a key may hold any byte) and its type code, or
// for a map its number of entries and the entries. ok is false when m holds
// a list, whose shape depends on its values.
func appendShapeKey(key []byte, m pcommon.Map, top bool) ([]byte, bool) {
	ok := true
	m.Range(func(k string, v pcommon.Value) bool {
		if top && !isMetadataAttribute(k) {
			return true
		}
		key = binary.AppendUvarint(key, uint64(len(k)))
		key = append(key, k...)
		if v.Type() == pcommon.ValueTypeMap {
			key = append(key, 'm')
			key = binary.AppendUvarint(key, uint64(v.Map().Len()))
			key, ok = appendShapeKey(key, v.Map(), false)
			return ok
		}
		code, needed, scalar := scalarShape(v)
		if !scalar {
			ok = false
			return false
		}
		key = append(key, code...)
		key = strconv.AppendBool(key, needed)
		return true
	})
	return key, ok
}

// unsafeString views b as a string; valid while b is not modified. The
// engine copies every field in MustAdd, so views into buf never escape.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// AddResult says what AddLogs could not store as given.
type AddResult struct {
	// Shortened records were cut to fit the engine's limits (and marked).
	Shortened int
	// OutOfWindow records were dropped: their timestamps are older than the
	// retention or further ahead than the future retention.
	OutOfWindow int
}

func (r *AddResult) add(o AddResult) {
	r.Shortened += o.Shortened
	r.OutOfWindow += o.OutOfWindow
}

// maxRowsPerAdd is how many rows the store is handed at a time: the engine
// keeps a LogRows per writer (Engine.spareRows), and at this size one holds
// about 2 MB of buffers instead of the 10 MB its own limit allows.
const maxRowsPerAdd = 4096

// forgetBatch empties what the builder holds of one batch's patterns and
// templates: before a batch, and after it, so that the pooled builder pins
// none of its strings.
func (rb *rowBuilder) forgetBatch() {
	clear(rb.templates)
	rb.templates = rb.templates[:0]
	clear(rb.batchTemplates)
	clear(rb.patterns)
	clear(rb.recentPatterns[:])
	clear(rb.services)
	rb.patternID, rb.template, rb.level, rb.pattern, rb.service = "", "", "", nil, ""
}

// addBatch appends the rows of b that fall inside [oldest, newest] to lr,
// each with its record id, handing lr to store and emptying it whenever it
// is full, and records the days (YYYYMMDD) the rows fall in. Templates the
// catalog lacks are collected in rb.templates.
func (rb *rowBuilder) addBatch(lr *logstorage.LogRows, store func(*logstorage.LogRows), b *Batch, oldest, newest int64, days map[string]struct{}, catalog *templateCatalog, numbers *patternNumbers) (res AddResult) {
	rb.forgetBatch()
	if rb.batchTemplates == nil {
		rb.batchTemplates = map[catalogKey]string{}
	}
	if rb.patterns == nil {
		rb.patterns = map[string]*batchPattern{}
	}
	rb.numberRows, rb.numberRowsAdded = rb.numberRows[:0], 0
	storeRows := func(lr *logstorage.LogRows) {
		store(lr)
		// Only now may other writers rely on these rows (see numbers.go).
		numbers.markStored(rb.numberRows)
		rb.numberRows = rb.numberRows[:0]
	}
	rb.idBase = strconv.FormatUint(rand.Uint64(), 36)
	if rb.sameTime == nil {
		rb.sameTime = map[int64]uint32{}
	}
	clear(rb.sameTime)
	row := batchRow{fields: rb.fields[:0]}
	for _, seg := range b.segments {
		res.add(rb.addSegment(lr, storeRows, seg, &row, oldest, newest, days, catalog, numbers))
	}
	clear(row.fields)
	rb.fields = row.fields[:0]
	return res
}

func (rb *rowBuilder) addSegment(lr *logstorage.LogRows, store func(*logstorage.LogRows), seg segment, row *batchRow, oldest, newest int64, days map[string]struct{}, catalog *templateCatalog, numbers *patternNumbers) (res AddResult) {
	lastDay := int64(-1)
	for _, off := range seg.offsets {
		row.fields = row.fields[:0]
		if _, err := decodeRow(seg.data, int(off), row); err != nil {
			// UnmarshalBatch and NewBatch only make whole rows.
			panic(fmt.Sprintf("row batch: %v", err))
		}
		ts := row.ts
		if ts < oldest || ts > newest {
			// The engine would drop it with only a log line.
			res.OutOfWindow++
			continue
		}
		day := ts / int64(24*time.Hour)
		if day != lastDay {
			lastDay = day
			days[time.Unix(0, ts).UTC().Format("20060102")] = struct{}{}
		}
		service := ""
		patternField := -1
		rb.patternID, rb.level, rb.template = "", "", row.template
		for i, f := range row.fields {
			switch f.Name {
			case fieldService:
				service = f.Value
			case fieldLevel:
				rb.level = f.Value
			case fieldPatternID:
				rb.patternID, patternField = f.Value, i
			case fieldTruncated:
				res.Shortened++
			}
		}
		if patternField >= 0 && rb.patternID != "" {
			rb.pattern = rb.numberPattern(lr, numbers, ts, day)
			row.fields[patternField].Value = rb.pattern.stored
		}
		row.fields = rb.appendID(row.fields, ts)
		lr.MustAdd(row.tenant, ts, row.fields, 2)
		if lr.RowsCount() >= maxRowsPerAdd || lr.NeedFlush() {
			store(lr)
			lr.ResetKeepSettings()
		}
		if rb.patternID != "" {
			rb.countRollup(row.tenant, service, rb.serviceNumber(service), rb.level, ts)
			if rb.template != "" {
				rb.collectTemplate(catalog, ts)
			}
		}
	}
	return res
}

// numberPattern returns the batch's entry for the pattern of the row being
// built (rb.patternID), and adds the row of its number for day to lr unless
// that row is in the store already: before the record, so that the two
// reach the store together or the number row first.
func (rb *rowBuilder) numberPattern(lr *logstorage.LogRows, numbers *patternNumbers, ts, day int64) *batchPattern {
	recent := &rb.recentPatterns[logquery.PatternIDSlot(rb.patternID, len(rb.recentPatterns))]
	bp := recent.pattern
	if bp == nil || recent.id != rb.patternID {
		bp = rb.patterns[rb.patternID]
		recent.id, recent.pattern = rb.patternID, bp
	}
	if bp == nil {
		n, numbered := numbers.numberOf(rb.patternID)
		bp = &batchPattern{number: n, numbered: numbered}
		if numbered {
			bp.stored = strconv.FormatUint(uint64(n), 10)
		} else {
			bp.stored = strings.Clone(rb.patternID)
		}
		rb.patterns[rb.patternID] = bp
		recent.pattern = bp
	}
	if !bp.numbered || bp.hasDay && bp.day == day {
		return bp
	}
	bp.day, bp.hasDay = day, true
	nd := numberDay{number: bp.number, day: day}
	if !numbers.isStored(nd) {
		rb.numberBuf = appendNumberRow(lr, bp.number, rb.patternID, ts, rb.numberBuf)
		rb.numberRows = append(rb.numberRows, nd)
		rb.numberRowsAdded++
	}
	return bp
}

// appendID adds a row's record id. A record's id is its timestamp and this
// field (see recordID): the batch's random part, plus a number for the
// second and later records of the batch with the same timestamp. Nearly
// every row stores the same word as its neighbours, where a number per row
// cost 9% of the store.
func (rb *rowBuilder) appendID(fields []logstorage.Field, ts int64) []logstorage.Field {
	n := rb.sameTime[ts]
	rb.sameTime[ts]++
	if n == 0 {
		return append(fields, logstorage.Field{Name: fieldID, Value: rb.idBase})
	}
	rb.buf = append(rb.buf[:0], rb.idBase...)
	rb.buf = append(rb.buf, '.')
	rb.buf = strconv.AppendUint(rb.buf, uint64(n), 36)
	// MustAdd copies the row before buf is written again.
	return append(fields, logstorage.Field{Name: fieldID, Value: unsafeString(rb.buf)})
}

// collectTemplate notes the template of the row just built unless the
// catalog or this batch already holds it for the row's day.
func (rb *rowBuilder) collectTemplate(catalog *templateCatalog, ts int64) {
	key := catalogKey{id: rb.patternID, day: ts / int64(24*time.Hour)}
	if t, ok := rb.batchTemplates[key]; ok && t == rb.template {
		return
	}
	rb.batchTemplates[key] = rb.template
	if !catalog.stored(key, rb.template) {
		// Views into the batch: catalog.remember keeps copies.
		rb.templates = append(rb.templates, catalogEntry{key: key, template: rb.template, ts: ts})
	}
}

// buildRow fills rb.fields for one record (all but its id, see appendID);
// it reports whether the record had to be shortened to fit the engine's
// limits.
func (rb *rowBuilder) buildRow(service, source string, res pcommon.Map, rec plog.LogRecord) bool {
	rb.fields = rb.fields[:0]
	rb.buf = rb.buf[:0]
	rb.spans = rb.spans[:0]
	rb.template = ""
	add := func(name, value string) {
		rb.fields = append(rb.fields, logstorage.Field{Name: name, Value: value})
	}
	add(fieldService, service)
	add(fieldSource, source)

	appendHex := func(name string, b []byte) {
		start := len(rb.buf)
		rb.buf = hex.AppendEncode(rb.buf, b)
		add(name, "")
		rb.spans = append(rb.spans, bufSpan{field: len(rb.fields) - 1, valueStart: start, valueEnd: len(rb.buf), nameStart: -1})
	}

	body := rec.Body()
	if body.Type() == pcommon.ValueTypeStr {
		add(fieldMessage, body.Str())
	} else {
		add(fieldMessage, body.AsString())
	}
	add(fieldLevel, logquery.LevelFromSeverity(int32(rec.SeverityNumber()), rec.SeverityText()))
	if tid := rec.TraceID(); !tid.IsEmpty() {
		appendHex(fieldTraceID, tid[:])
	}
	if sid := rec.SpanID(); !sid.IsEmpty() {
		appendHex(fieldSpanID, sid[:])
	}
	attrs := rec.Attributes()
	metadataCount := 0
	attrs.Range(func(k string, v pcommon.Value) bool {
		switch k {
		case AttrCorrelationID:
			add(fieldCorrelationID, v.AsString())
		case AttrPatternID:
			add(fieldPatternID, v.AsString())
		case AttrPatternTemplate:
			// Kept in the catalog, not in the row.
			rb.template = v.AsString()
		default:
			metadataCount++
			rb.addFlattened(logquery.MetadataPrefix, k, v)
		}
		return true
	})
	if metadataCount > 0 {
		// The flattened fields are for search and results; the shape keeps
		// what they lose (3 stays a number, "3" a string), else a JSON copy.
		if shape, ok := rb.cachedShape(attrs); !ok {
			if raw, err := json.Marshal(attributesAsMap(attrs)); err == nil {
				add(fieldMetadata, string(raw))
			}
		} else if shape != "" {
			add(fieldMetadataShape, shape)
		}
	}
	res.Range(func(k string, v pcommon.Value) bool {
		if k != string(semconv.ServiceNameKey) && k != string(semconv.HostNameKey) && k != tenant.ResourceAttribute {
			rb.addFlattened(resourcePrefix, k, v)
		}
		return true
	})
	for _, s := range rb.spans {
		f := &rb.fields[s.field]
		if s.nameStart >= 0 {
			f.Name = unsafeString(rb.buf[s.nameStart:s.nameEnd])
		}
		if s.valueStart >= 0 {
			f.Value = unsafeString(rb.buf[s.valueStart:s.valueEnd])
		}
	}
	return rb.fitLimits()
}

// bufSpan is a field whose name or value (or both) buildRow wrote in rb.buf:
// offsets, turned into strings only once buf stops growing. -1: not in buf.
type bufSpan struct {
	field                int
	nameStart, nameEnd   int
	valueStart, valueEnd int
}

// addFlattened adds a scalar as one field (prefix+key) and a map as one field
// per leaf (prefix+key.leaf); slices are stored as JSON. The names, and the
// text of integers and booleans, are written in rb.buf, not allocated.
func (rb *rowBuilder) addFlattened(prefix, key string, v pcommon.Value) {
	nameStart := len(rb.buf)
	rb.buf = append(rb.buf, prefix...)
	rb.buf = append(rb.buf, key...)
	rb.addFlattenedAt(nameStart, len(rb.buf), v)
}

// addFlattenedAt is addFlattened for a name already in rb.buf[nameStart:nameEnd].
func (rb *rowBuilder) addFlattenedAt(nameStart, nameEnd int, v pcommon.Value) {
	if v.Type() == pcommon.ValueTypeMap {
		v.Map().Range(func(k string, child pcommon.Value) bool {
			childStart := len(rb.buf)
			rb.buf = append(rb.buf, rb.buf[nameStart:nameEnd]...)
			rb.buf = append(rb.buf, '.')
			rb.buf = append(rb.buf, k...)
			rb.addFlattenedAt(childStart, len(rb.buf), child)
			return true
		})
		return
	}
	span := bufSpan{field: len(rb.fields), nameStart: nameStart, nameEnd: nameEnd, valueStart: -1}
	value := ""
	switch v.Type() {
	case pcommon.ValueTypeStr:
		value = v.Str()
	case pcommon.ValueTypeInt:
		span.valueStart = len(rb.buf)
		rb.buf = strconv.AppendInt(rb.buf, v.Int(), 10)
		span.valueEnd = len(rb.buf)
	case pcommon.ValueTypeBool:
		span.valueStart = len(rb.buf)
		rb.buf = strconv.AppendBool(rb.buf, v.Bool())
		span.valueEnd = len(rb.buf)
	default:
		value = v.AsString()
	}
	rb.fields = append(rb.fields, logstorage.Field{Value: value})
	rb.spans = append(rb.spans, span)
}

// isMetadataAttribute reports whether a record attribute is metadata, not
// one with a field of its own.
func isMetadataAttribute(k string) bool {
	return k != AttrCorrelationID && k != AttrPatternID && k != AttrPatternTemplate
}

// attributesAsMap returns the record attributes that make up metadata.
func attributesAsMap(attrs pcommon.Map) map[string]any {
	m := make(map[string]any, attrs.Len())
	attrs.Range(func(k string, v pcommon.Value) bool {
		if isMetadataAttribute(k) {
			m[k] = jsonSafe(v.AsRaw())
		}
		return true
	})
	return m
}

// jsonSafe replaces what JSON cannot encode (NaN, ±Inf, which OTLP doubles
// may carry) by its string form, so the metadata copy is never lost.
func jsonSafe(v any) any {
	switch t := v.(type) {
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return strconv.FormatFloat(t, 'g', -1, 64)
		}
	case map[string]any:
		for k, item := range t {
			t[k] = jsonSafe(item)
		}
	case []any:
		for i, item := range t {
			t[i] = jsonSafe(item)
		}
	}
	return v
}

// fitLimits shortens a row the engine would otherwise drop: long field names
// are cut, fields past the limit dropped, and long values cut, largest first.
// Receivers validate sizes; this protects against other sources (OTLP).
func (rb *rowBuilder) fitLimits() bool {
	shortened := false
	if len(rb.fields) > maxFieldsPerRow {
		rb.fields = rb.fields[:maxFieldsPerRow]
		shortened = true
	}
	total := 0
	for i := range rb.fields {
		f := &rb.fields[i]
		if len(f.Name) > maxFieldNameBytes {
			f.Name = f.Name[:maxFieldNameBytes]
			shortened = true
		}
		total += len(f.Name) + len(f.Value) + 8
	}
	for total > maxRowBytes {
		largest := 0
		for i := range rb.fields {
			if len(rb.fields[i].Value) > len(rb.fields[largest].Value) {
				largest = i
			}
		}
		f := &rb.fields[largest]
		cut := min(len(f.Value), total-maxRowBytes)
		f.Value = f.Value[:len(f.Value)-cut]
		total -= cut
		shortened = true
	}
	if shortened {
		rb.fields = append(rb.fields, logstorage.Field{Name: fieldTruncated, Value: "true"})
	}
	return shortened
}
