package embedded

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/paylog/paylog/internal/logquery"
)

// Metadata come back from the search fields and their shape as they went
// in: types, nesting, dotted keys, empty values; what the fields cannot
// describe keeps a JSON copy.
func TestMetadataComesBackAsItWentIn(t *testing.T) {
	cases := map[string]struct {
		fill func(m pcommon.Map)
		want string // the metadata as the API writes them
		// stored: which of the shape and the JSON copy the row needs.
		shape, copy bool
	}{
		"top-level strings": {func(m pcommon.Map) {
			m.PutStr("error_code", "E042")
			m.PutStr("http.method", "GET") // a dotted key, not nesting
		}, `{"error_code":"E042","http.method":"GET"}`, false, false},
		"types": {func(m pcommon.Map) {
			m.PutInt("retry", 3)
			m.PutInt("big", math.MaxInt64)
			m.PutDouble("ratio", 0.1)
			m.PutDouble("whole", 2)
			m.PutBool("ok", true)
			m.PutStr("three", "3")
			m.PutStr("empty", "")
			m.PutEmpty("nothing")
			m.PutEmptyBytes("raw").FromRaw([]byte{1, 2, 255})
		}, `{"retry":3,"big":9223372036854775807,"ratio":0.1,"whole":2,"ok":true,"three":"3","empty":"","nothing":null,"raw":"AQL/"}`, true, false},
		"nesting and lists": {func(m pcommon.Map) {
			http := m.PutEmptyMap("http")
			http.PutInt("status", 503)
			http.PutEmptyMap("client").PutStr("ip", "10.0.0.7")
			http.PutEmptyMap("none")
			list := m.PutEmptySlice("tags")
			list.AppendEmpty().SetStr("a")
			list.AppendEmpty().SetInt(2)
			list.AppendEmpty().SetEmptyMap().PutBool("deep", false)
		}, `{"http":{"status":503,"client":{"ip":"10.0.0.7"},"none":{}},"tags":["a",2,{"deep":false}]}`, true, false},
		"not a number": {func(m pcommon.Map) {
			m.PutDouble("inf", math.Inf(-1))
			m.PutDouble("nan", math.NaN())
		}, `{"inf":"-Inf","nan":"NaN"}`, true, false},
		"two keys, one field name": {func(m pcommon.Map) {
			m.PutStr("a.b", "flat")
			m.PutEmptyMap("a").PutStr("b", "nested")
		}, `{"a.b":"flat","a":{"b":"nested"}}`, false, true},
		"a list JSON cannot hold": {func(m pcommon.Map) {
			m.PutEmptySlice("list").AppendEmpty().SetDouble(math.NaN())
		}, `{"list":["NaN"]}`, false, true},
	}
	e := openTestEngine(t, t.TempDir())
	defer e.Close()
	now := time.Now().Add(-time.Minute)
	i := 0
	for name, tc := range cases {
		ld := testLogs(1, "svc-"+name, now.Add(time.Duration(i)*time.Second))
		i++
		attrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
		attrs.Clear()
		attrs.PutStr(AttrCorrelationID, "corr") // not metadata
		tc.fill(attrs)

		rb := rowBuilder{}
		rb.buildRow("svc", "host", pcommon.NewMap(), ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0))
		stored := map[string]bool{}
		for _, f := range rb.fields {
			stored[f.Name] = true
		}
		assert.Equal(t, tc.shape, stored[fieldMetadataShape], "%s: shape field", name)
		assert.Equal(t, tc.copy, stored[fieldMetadata], "%s: JSON copy", name)

		_, err := e.AddLogs(ld)
		require.NoError(t, err)
	}
	require.NoError(t, e.WaitDurable(context.Background()))
	for name, tc := range cases {
		res, err := e.Search(context.Background(), &logquery.Request{
			Filter: &logquery.Term{Field: logquery.FieldService, Value: "svc-" + name}, Limit: 10})
		require.NoError(t, err, name)
		require.Len(t, res.Records, 1, name)
		got, err := json.Marshal(res.Records[0].Metadata)
		require.NoError(t, err, name)
		assert.JSONEq(t, tc.want, string(got), name)
	}
}

// The cached shape is the shape, for every kind of metadata, whether it
// comes from the cache or not.
func TestCachedShapeIsTheShape(t *testing.T) {
	build := func(fill func(m pcommon.Map)) pcommon.Map {
		m := pcommon.NewMap()
		fill(m)
		m.PutStr(AttrPatternID, "p1") // not metadata: left out of both
		return m
	}
	cases := []pcommon.Map{
		build(func(m pcommon.Map) { m.PutStr("code", "E1"); m.PutStr("region", "eu") }),
		build(func(m pcommon.Map) { m.PutStr("code", "E1"); m.PutInt("retry", 3) }),
		build(func(m pcommon.Map) { m.PutStr("code", "E2"); m.PutInt("retry", 4) }), // same keys and types
		build(func(m pcommon.Map) { m.PutInt("retry", 3); m.PutStr("code", "E1") }), // another order
		build(func(m pcommon.Map) { m.PutStr("code", ""); m.PutInt("retry", 3) }),
		build(func(m pcommon.Map) { m.PutEmptyBytes("raw"); m.PutDouble("ratio", 0.5) }),
		build(func(m pcommon.Map) { m.PutEmptyBytes("raw").FromRaw([]byte{1}); m.PutBool("ok", true) }),
		build(func(m pcommon.Map) { m.PutEmpty("nothing") }),
		build(func(m pcommon.Map) { m.PutEmptyMap("http").PutInt("status", 500) }),
		build(func(m pcommon.Map) { m.PutEmptyMap("a").PutStr("b", "x"); m.PutStr("a.b", "y") }), // two keys, one name
		build(func(m pcommon.Map) { m.PutEmptySlice("tags").AppendEmpty().SetStr("x") }),
		build(func(m pcommon.Map) { m.PutStr("a\x00s\x01b", "x") }),
		build(func(m pcommon.Map) { m.PutStr("a", "x"); m.PutStr("b", "y") }),
		// One key, each type: none may take another's shape from the cache.
		build(func(m pcommon.Map) { m.PutInt("v", 3) }),
		build(func(m pcommon.Map) { m.PutStr("v", "3") }),
		build(func(m pcommon.Map) { m.PutStr("v", "") }),
		build(func(m pcommon.Map) { m.PutDouble("v", 3) }),
		build(func(m pcommon.Map) { m.PutBool("v", true) }),
		build(func(m pcommon.Map) { m.PutEmpty("v") }),
		build(func(m pcommon.Map) { m.PutEmptyBytes("v") }),
		build(func(m pcommon.Map) { m.PutEmptyBytes("v").FromRaw([]byte{1}) }),
		// Maps: where one ends is part of the key.
		build(func(m pcommon.Map) { m.PutEmptyMap("a").PutInt("b", 1); m.PutInt("c", 2) }),
		build(func(m pcommon.Map) { a := m.PutEmptyMap("a"); a.PutInt("b", 1); a.PutInt("c", 2) }),
		build(func(m pcommon.Map) { a := m.PutEmptyMap("a"); a.PutInt("b", 1); a.PutStr("c", "2") }),
		build(func(m pcommon.Map) { m.PutEmptyMap("a"); m.PutInt("b", 1) }),
		build(func(m pcommon.Map) { m.PutEmptyMap("a").PutEmptyMap("b").PutStr("c", "") }),
		build(func(m pcommon.Map) { m.PutEmptyMap("a").PutEmptyMap("b").PutStr("c", "x") }),
		build(func(m pcommon.Map) {
			m.PutEmptyMap("a").PutEmptyMap("b").PutEmptySlice("c").AppendEmpty().SetDouble(math.NaN())
		}),
		build(func(m pcommon.Map) { m.PutEmptyMap("a").PutStr("b.c", "x"); m.PutEmptyMap("a.b").PutStr("c", "y") }), // one name
	}
	rb := &rowBuilder{}
	for round := range 2 {
		for i, attrs := range cases {
			wantShape, wantOK := metadataShape(attrs, isMetadataAttribute)
			shape, ok := rb.cachedShape(attrs)
			assert.Equal(t, wantShape, shape, "case %d, round %d", i, round)
			assert.Equal(t, wantOK, ok, "case %d, round %d", i, round)
		}
	}
	assert.NotEmpty(t, rb.shapes, "scalar metadata is cached")
	nested := build(func(m pcommon.Map) { m.PutEmptyMap("http").PutInt("status", 500) })
	rb.shapes = nil
	rb.cachedShape(nested)
	assert.Len(t, rb.shapes, 1, "metadata with maps is cached")
}
