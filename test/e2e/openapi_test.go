package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOpenAPIMatchesResponses calls every JSON route of the running
// collector in its documented success and error cases and validates each
// answer against the schema /openapi.json gives for that route and status:
// a field the server sends that the spec does not describe, one the spec
// requires that the server leaves out, or a type that differs, fails.
func TestOpenAPIMatchesResponses(t *testing.T) {
	c := startCollector(t, t.TempDir())
	var spec map[string]any
	r := c.do(t, http.MethodGet, "/openapi.json", "", nil, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.NoError(t, json.Unmarshal(r.raw, &spec))
	v := &schemaValidator{spec: spec}

	full := `{"timestamp":"2026-11-28T07:00:00Z","level":"ERROR","message":"Payment 7 declined","source":"web-1","service":"billing",` +
		`"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","metadata":{"order":7}}`
	calls := []struct {
		method, path, contentType, body string
		status                          int
	}{
		{"POST", "/logs/ingest", "application/json", strings.Replace(full, "2026-11-28T07:00:00Z", time.Now().UTC().Format(time.RFC3339), 1), 200},
		{"POST", "/logs/ingest", "application/json", `{"level":"LOUD","message":"m","source":"s"}`, 400},
		{"POST", "/logs/ingest", "application/json", `{`, 400},
		{"POST", "/logs/ingest", "text/plain", `x`, 415},
		{"POST", "/logs/batch-ingest", "application/json", `{"batch_id":"b-1","logs":[{"level":"INFO","message":"ok","source":"s"},{"level":"LOUD","message":"m","source":"s"}]}`, 200},
		{"POST", "/logs/batch-ingest", "application/json", `[{"level":"LOUD","message":"m","source":"s"}]`, 400},
		{"GET", "/api", "", "", 200},
		{"GET", "/", "", "", 200},
		{"GET", "/health", "", "", 200},
		{"GET", "/logs/search?query=declined&start_time=now-1h", "", "", 200},
		{"GET", "/logs/search?limit=0", "", "", 400},
		{"POST", "/logs/search", "application/json", `{"query":"declined","limit":5}`, 200},
		{"GET", "/logs/patterns?hours=1", "", "", 200},
		{"GET", "/logs/patterns?hours=0", "", "", 400},
		{"GET", "/logs/histogram?start_time=now-1h&buckets=12", "", "", 200},
		{"GET", "/logs/histogram?buckets=0", "", "", 400},
	}
	sawRecord, stored := false, false
	for _, call := range calls {
		if strings.HasPrefix(call.path, "/logs/search") && !stored {
			// The entry ingested first is searchable.
			c.waitForCount(t, map[string][]string{"query": {"declined"}, "start_time": {"now-1h"}}, 1, 30*time.Second)
			stored = true
		}
		r := c.do(t, call.method, call.path, call.contentType, []byte(call.body), nil)
		require.Equal(t, call.status, r.status, "%s %s: %s", call.method, call.path, r.raw)
		path, _, _ := strings.Cut(call.path, "?")
		schema := v.responseSchema(t, path, call.method, r.status)
		var body any
		require.NoError(t, json.Unmarshal(r.raw, &body), "%s %s: %s", call.method, call.path, r.raw)
		if errs := v.validate(schema, body, "$"); len(errs) > 0 {
			t.Errorf("%s %s → %d does not match openapi.json:\n  %s\n  body: %.400s", call.method, call.path, r.status, strings.Join(errs, "\n  "), r.raw)
		}
		if path == "/logs/search" && r.status == 200 && strings.Contains(string(r.raw), `"span_id":"b7ad6b7169203331"`) {
			sawRecord = true // every optional field of a record was checked
		}
	}
	require.True(t, sawRecord, "the searches returned the fully populated record")
}

// schemaValidator checks JSON values against the subset of JSON Schema that
// openapi.json uses: $ref, type (one or a list), properties, required,
// additionalProperties, items, enum, const, oneOf.
type schemaValidator struct{ spec map[string]any }

func (v *schemaValidator) responseSchema(t *testing.T, path, method string, status int) map[string]any {
	t.Helper()
	op, _ := v.spec["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	require.NotNil(t, op, "%s %s is not in openapi.json", method, path)
	resp, _ := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	require.NotNil(t, resp, "%s %s: status %d is not documented", method, path, status)
	schema, _ := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	require.NotNil(t, schema, "%s %s %d: no application/json schema", method, path, status)
	return schema
}

func (v *schemaValidator) resolve(schema map[string]any) map[string]any {
	for {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema
		}
		node := any(v.spec)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			node = node.(map[string]any)[part]
		}
		schema = node.(map[string]any)
	}
}

func jsonType(x any) string {
	switch n := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case float64:
		if n == float64(int64(n)) {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", x)
}

func (v *schemaValidator) validate(schema map[string]any, x any, at string) []string {
	schema = v.resolve(schema)
	if alts, ok := schema["oneOf"].([]any); ok {
		for _, alt := range alts {
			if len(v.validate(alt.(map[string]any), x, at)) == 0 {
				return nil
			}
		}
		return []string{at + ": matches none of oneOf"}
	}
	var errs []string
	if want, ok := schema["type"]; ok {
		types := []any{want}
		if list, ok := want.([]any); ok {
			types = list
		}
		got, match := jsonType(x), false
		for _, ty := range types {
			match = match || ty == got || (ty == "number" && got == "integer")
		}
		if !match {
			return []string{fmt.Sprintf("%s: is %s, documented %v", at, got, want)}
		}
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == x
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, x, enum))
		}
	}
	if want, ok := schema["const"]; ok && want != x {
		errs = append(errs, fmt.Sprintf("%s: %v, documented always %v", at, x, want))
	}
	switch x := x.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		required, _ := schema["required"].([]any)
		for _, name := range required {
			if _, ok := x[name.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: documented as required, missing %q", at, name))
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := props[k].(map[string]any); ok {
				errs = append(errs, v.validate(p, x[k], at+"."+k)...)
				continue
			}
			switch extra := schema["additionalProperties"].(type) {
			case bool:
				if !extra {
					errs = append(errs, fmt.Sprintf("%s: %q is sent but not documented", at, k))
				}
			case map[string]any:
				errs = append(errs, v.validate(extra, x[k], at+"."+k)...)
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, item := range x {
				errs = append(errs, v.validate(items, item, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}
