package embedded

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/tenant"
)

// varietyLogs holds what a row can carry: a tenant, a pattern with and
// without its template, nested and unusual metadata names, an empty body and
// a record without a timestamp.
func varietyLogs(ts time.Time) plog.Logs {
	ld := testLogs(3, "checkout", ts)
	recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	recs.At(0).Attributes().PutStr(AttrPatternID, "p-42")
	recs.At(0).Attributes().PutStr(AttrPatternTemplate, "Database connection failed attempt <*>")
	recs.At(1).Attributes().PutStr(AttrPatternID, "p-42")
	recs.At(1).Attributes().PutEmptyMap("http").PutStr("méthode ünïcode", "GET")
	recs.At(2).Body().SetStr("")
	recs.At(2).SetTimestamp(0)

	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "billing")
	rl.Resource().Attributes().PutStr(tenant.ResourceAttribute, "acme")
	rl.Resource().Attributes().PutStr("k8s.pod.name", "billing-7f9")
	r := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	r.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	r.Body().SetStr("tenant record")
	return ld
}

// rowsOf decodes every row of b, copying its strings.
func rowsOf(t *testing.T, b *Batch) []batchRow {
	t.Helper()
	var rows []batchRow
	for _, s := range b.segments {
		for _, off := range s.offsets {
			var row batchRow
			_, err := decodeRow(s.data, int(off), &row)
			require.NoError(t, err)
			row.template = string([]byte(row.template))
			for i := range row.fields {
				row.fields[i] = logstorage.Field{Name: string([]byte(row.fields[i].Name)), Value: string([]byte(row.fields[i].Value))}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func TestBatchEncodingRoundTrip(t *testing.T) {
	now := time.Now().Add(-time.Minute)
	b := NewBatch(varietyLogs(now))
	require.Equal(t, 4, b.Len())
	rows := rowsOf(t, b)
	assert.Equal(t, "Database connection failed attempt <*>", rows[0].template)
	assert.Empty(t, rows[1].template)
	assert.Equal(t, tenantID("acme"), rows[3].tenant)
	assert.Equal(t, defaultTenant, rows[0].tenant)
	assert.NotZero(t, rows[2].ts, "a record without a timestamp gets one")
	assert.Contains(t, rows[1].fields, logstorage.Field{Name: "metadata.http.méthode ünïcode", Value: "GET"})
	assert.Contains(t, rows[3].fields, logstorage.Field{Name: "resource.k8s.pod.name", Value: "billing-7f9"})

	encoded := b.AppendBinary(nil)
	assert.True(t, IsEncodedBatch(encoded))
	decoded, err := UnmarshalBatch(encoded)
	require.NoError(t, err)
	assert.Equal(t, b.Len(), decoded.Len())
	assert.Equal(t, b.Bytes(), decoded.Bytes())
	assert.Equal(t, rows, rowsOf(t, decoded))

	// The decoded batch keeps its own copy of the bytes it was read from.
	clear(encoded)
	assert.Equal(t, rows, rowsOf(t, decoded))
}

func TestUnmarshalBatchRefusesDamagedData(t *testing.T) {
	encoded := NewBatch(varietyLogs(time.Now())).AppendBinary(nil)
	for size := range len(encoded) {
		_, err := UnmarshalBatch(encoded[:size])
		assert.Error(t, err, "cut at %d of %d bytes", size, len(encoded))
	}
	withTail := append(append([]byte(nil), encoded...), 0)
	_, err := UnmarshalBatch(withTail)
	assert.ErrorContains(t, err, "bytes after the last")

	_, err = UnmarshalBatch([]byte("not a batch"))
	assert.ErrorContains(t, err, "header")
	assert.False(t, IsEncodedBatch([]byte("PLRB")))
}

func TestBatchTakeFrontAndAppendKeepRowOrder(t *testing.T) {
	now := time.Now()
	var want []batchRow
	b := &Batch{}
	for i := range 3 {
		part := NewBatch(testLogs(5, fmt.Sprintf("service-%d", i), now))
		want = append(want, rowsOf(t, part)...)
		b.Append(part)
		assert.Zero(t, part.Len(), "appended rows move")
	}
	require.Equal(t, 15, b.Len())

	var got []batchRow
	for _, n := range []int{3, 2, 7, 10} {
		before := b.Bytes()
		front := b.TakeFront(n)
		assert.Equal(t, min(n, 15-len(got)), front.Len())
		assert.Equal(t, before, front.Bytes()+b.Bytes())
		got = append(got, rowsOf(t, front)...)
		// Growing the front batch must not touch the rows left behind.
		front.Append(NewBatch(testLogs(1, "other", now)))
	}
	assert.Zero(t, b.Len())
	assert.Equal(t, want, got)
}

func TestBatchRowsWithin(t *testing.T) {
	b := NewBatch(testLogs(4, "svc", time.Now()))
	b.Append(NewBatch(testLogs(4, "svc", time.Now())))
	row := b.segments[0].rowBytes(0)
	assert.Equal(t, 0, b.RowsWithin(row-1))
	assert.Equal(t, 1, b.RowsWithin(row))
	assert.Equal(t, 8, b.RowsWithin(b.Bytes()))
	assert.Equal(t, 4, b.RowsWithin(b.segments[0].rowBytes(0)*4+b.segments[0].rowBytes(1)/2))
}

// TestDecodedBatchStoresLikeTheRecords: a batch read back from its encoding
// stores the same searchable records as the plog records it came from, and
// the template catalog keeps copies, not views into the batch.
func TestDecodedBatchStoresLikeTheRecords(t *testing.T) {
	now := time.Now().UTC().Add(-time.Minute)
	direct := openTestEngine(t, t.TempDir())
	defer direct.Close()
	viaQueue := openTestEngine(t, t.TempDir())
	defer viaQueue.Close()

	ld := varietyLogs(now)
	// Both stores must see the same time for the record that has none.
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(2).SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	_, err := direct.AddLogs(ld)
	require.NoError(t, err)
	encoded := NewBatch(ld).AppendBinary(nil)
	decoded, err := UnmarshalBatch(encoded)
	require.NoError(t, err)
	_, err = viaQueue.AddBatch(decoded)
	require.NoError(t, err)
	clear(decoded.segments[0].data)

	search := func(e *Engine) []logquery.Record {
		require.NoError(t, e.WaitDurable(context.Background()))
		res, err := e.Search(context.Background(), &logquery.Request{
			Filter: &logquery.Term{Field: logquery.FieldService, Value: "checkout"},
			Start:  now.Add(-time.Hour), Limit: 10,
		})
		require.NoError(t, err)
		for i := range res.Records {
			res.Records[i].ID = ""
		}
		return res.Records
	}
	want := search(direct)
	require.Len(t, want, 3)
	assert.Equal(t, want, search(viaQueue))
	template, ok := viaQueue.catalog.template("p-42")
	assert.True(t, ok)
	assert.Equal(t, "Database connection failed attempt <*>", template)
}

// FuzzUnmarshalBatch: whatever a damaged queue item holds, UnmarshalBatch
// returns an error or a batch whose every row decodes and whose encoding
// reads back as the same batch; it never panics.
func FuzzUnmarshalBatch(f *testing.F) {
	f.Add(NewBatch(varietyLogs(time.Unix(1_700_000_000, 0))).AppendBinary(nil))
	f.Add(NewBatch(testLogs(2, "svc", time.Unix(1_700_000_000, 0))).AppendBinary(nil))
	f.Add([]byte(batchMagic + "\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := UnmarshalBatch(data)
		if err != nil {
			return
		}
		// Every row of an accepted batch decodes (rowsOf fails the test if not).
		rowsOf(t, b)
		again := b.AppendBinary(nil)
		back, err := UnmarshalBatch(again)
		if err != nil {
			t.Fatalf("re-encoded batch does not read back: %v", err)
		}
		if b.Len() != back.Len() || string(back.AppendBinary(nil)) != string(again) {
			t.Fatalf("re-encoded batch reads back differently")
		}
	})
}

func TestKnownFieldIndexMatchesTheList(t *testing.T) {
	for i, name := range knownFieldNames {
		got, ok := knownFieldIndex(name)
		assert.True(t, ok, name)
		assert.Equal(t, uint64(i), got, name)
	}
	_, ok := knownFieldIndex("metadata.http.status")
	assert.False(t, ok)
}
