package embedded

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/paylog/paylog/internal/logquery"
)

// A record's metadata is stored once, as its flattened search fields
// (metadata.<key>, metadata.<map>.<key>). What those lose — the value types
// and which dots are nesting — is kept in a small shape field: the metadata
// with each value replaced by its type, e.g. {"retry":"i","http":{"code":"i"}}.
// Shapes repeat from record to record, so the engine stores them for almost
// nothing, where a JSON copy of the metadata was 5% of the store. A record
// whose metadata are all non-empty top-level strings needs no shape; one the
// fields cannot describe (two keys flattening to one name, a list holding a
// NaN) keeps a JSON copy as before.

// Value types in a shape.
const (
	shapeString = "s"
	shapeInt    = "i"
	shapeDouble = "f"
	shapeBool   = "b"
	shapeList   = "l" // stored as JSON text
	shapeEmpty  = "n"
)

// metadataShape describes attrs (the metadata attributes only): the shape as
// JSON, or "" when none is needed; ok is false when the fields cannot
// describe the metadata and a JSON copy must be kept.
func metadataShape(attrs pcommon.Map, isMetadata func(string) bool) (shape string, ok bool) {
	names := map[string]bool{}
	needed := false
	var describe func(prefix string, m pcommon.Map, top bool) (map[string]any, bool)
	describe = func(prefix string, m pcommon.Map, top bool) (map[string]any, bool) {
		out := make(map[string]any, m.Len())
		fine := true
		m.Range(func(k string, v pcommon.Value) bool {
			if top && !isMetadata(k) {
				return true
			}
			name := prefix + k
			var code any
			switch v.Type() {
			case pcommon.ValueTypeMap:
				needed = true
				sub, subOK := describe(name+".", v.Map(), false)
				if !subOK {
					fine = false
					return false
				}
				out[k] = sub
				return true
			case pcommon.ValueTypeSlice:
				code, needed = shapeList, true
				if !listRoundTrips(v) {
					fine = false
					return false
				}
			default:
				scalarCode, scalarNeeded, _ := scalarShape(v)
				code, needed = scalarCode, needed || scalarNeeded
			}
			if names[name] {
				fine = false // two keys with one flattened name
				return false
			}
			names[name] = true
			out[k] = code
			return true
		})
		return out, fine
	}
	described, ok := describe(logquery.MetadataPrefix, attrs, true)
	if !ok {
		return "", false
	}
	if !needed {
		return "", true
	}
	raw, err := json.Marshal(described)
	if err != nil {
		return "", false
	}
	return string(raw), true
}

// scalarShape is a scalar's code in a shape and whether it alone makes the
// shape needed (the fields lose its type, or drop it when empty); scalar is
// false for maps and lists, whose shape depends on what they hold.
func scalarShape(v pcommon.Value) (code string, needed, scalar bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr, pcommon.ValueTypeBytes:
		return shapeString, v.AsString() == "", true // the engine does not store empty values
	case pcommon.ValueTypeInt:
		return shapeInt, true, true
	case pcommon.ValueTypeDouble:
		return shapeDouble, true, true
	case pcommon.ValueTypeBool:
		return shapeBool, true, true
	case pcommon.ValueTypeEmpty:
		return shapeEmpty, true, true
	}
	return "", false, false
}

// listRoundTrips reports whether a list's stored text (its AsString) reads
// back as the list: not when it holds what JSON cannot encode.
func listRoundTrips(v pcommon.Value) bool {
	var decoded any
	return json.Unmarshal([]byte(v.AsString()), &decoded) == nil
}

// metadataReader rebuilds records' metadata from result columns.
type metadataReader struct {
	fields map[string][]string // metadata.* columns by name
	shapes map[string]map[string]any
}

func newMetadataReader(cols map[string][]string) *metadataReader {
	r := &metadataReader{shapes: map[string]map[string]any{}}
	for name, values := range cols {
		if strings.HasPrefix(name, logquery.MetadataPrefix) {
			if r.fields == nil {
				r.fields = map[string][]string{}
			}
			r.fields[name] = values
		}
	}
	return r
}

// read returns row i's metadata: from its JSON copy when it has one, else
// from its fields and shape; nil when it has none.
func (r *metadataReader) read(i int, copyJSON, shape string) map[string]any {
	if copyJSON != "" {
		var m map[string]any
		_ = json.Unmarshal([]byte(copyJSON), &m)
		return m
	}
	if shape == "" {
		// All top-level strings: every non-empty metadata field is one.
		var m map[string]any
		for name, values := range r.fields {
			if values[i] != "" {
				if m == nil {
					m = map[string]any{}
				}
				m[strings.TrimPrefix(name, logquery.MetadataPrefix)] = strings.Clone(values[i])
			}
		}
		return m
	}
	parsed, ok := r.shapes[shape]
	if !ok {
		_ = json.Unmarshal([]byte(shape), &parsed)
		r.shapes[shape] = parsed
	}
	return r.fill(i, logquery.MetadataPrefix, parsed)
}

func (r *metadataReader) fill(i int, prefix string, shape map[string]any) map[string]any {
	out := make(map[string]any, len(shape))
	for k, code := range shape {
		name := prefix + k
		if sub, ok := code.(map[string]any); ok {
			out[k] = r.fill(i, name+".", sub)
			continue
		}
		text := ""
		if values := r.fields[name]; values != nil {
			text = strings.Clone(values[i])
		}
		out[k] = typedValue(code, text)
	}
	return out
}

// typedValue reads a stored field back as its type; a value that does not
// parse (a row the engine's limits shortened) stays text.
func typedValue(code any, text string) any {
	switch code {
	case shapeInt:
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n
		}
	case shapeDouble:
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				// JSON has no such numbers: "NaN", "+Inf", "-Inf".
				return strconv.FormatFloat(f, 'g', -1, 64)
			}
			return f
		}
	case shapeBool:
		if b, err := strconv.ParseBool(text); err == nil {
			return b
		}
	case shapeList:
		var list []any
		if json.Unmarshal([]byte(text), &list) == nil {
			return list
		}
	case shapeEmpty:
		return nil
	}
	return text
}
