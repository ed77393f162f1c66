package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/paylog/paylog/internal/tenant"
)

// Batch holds records already turned into the store's rows. The logstore
// exporter converts each request as it arrives and queues the Batch: its
// encoding (AppendBinary) is the rows themselves, so reading the queue back
// allocates a few slices per batch instead of pdata objects per record and
// attribute, and the write has nothing left to convert.
//
// A row is encoded as: the timestamp (8 bytes, little endian), the tenant
// (two uvarints), the pattern template (uvarint length and bytes; empty
// unless the record carried one), the number of fields (uvarint), then per
// field its name (uvarint: below len(knownFieldNames) an index into it, else
// len(knownFieldNames) plus the length of the name that follows) and its
// value (uvarint length and bytes).
type Batch struct {
	// segments are runs of rows; merging batches joins their lists.
	segments []segment
}

type segment struct {
	data []byte
	// offsets are where each row starts in data.
	offsets []uint32
}

// knownFieldNames are written as one byte. Append only: batches in a
// persistent queue refer to them by index.
var knownFieldNames = []string{
	fieldService, fieldSource, fieldMessage, fieldLevel, fieldTraceID, fieldSpanID,
	fieldCorrelationID, fieldPatternID, fieldMetadata, fieldMetadataShape, fieldTruncated,
}

// knownFieldIndex returns the index of name in knownFieldNames (a switch:
// a map lookup hashed every field of every row).
func knownFieldIndex(name string) (uint64, bool) {
	switch name {
	case fieldService:
		return 0, true
	case fieldSource:
		return 1, true
	case fieldMessage:
		return 2, true
	case fieldLevel:
		return 3, true
	case fieldTraceID:
		return 4, true
	case fieldSpanID:
		return 5, true
	case fieldCorrelationID:
		return 6, true
	case fieldPatternID:
		return 7, true
	case fieldMetadata:
		return 8, true
	case fieldMetadataShape:
		return 9, true
	case fieldTruncated:
		return 10, true
	}
	return 0, false
}

// fieldTruncated marks a row shortened to fit the engine's limits.
const fieldTruncated = "paylog.truncated"

// Len returns the number of rows.
func (b *Batch) Len() int {
	rows := 0
	for _, s := range b.segments {
		rows += len(s.offsets)
	}
	return rows
}

// Bytes returns the size of the encoded rows.
func (b *Batch) Bytes() int {
	bytes := 0
	for _, s := range b.segments {
		bytes += len(s.data)
	}
	return bytes
}

// rowBytes returns the encoded size of row i of s.
func (s *segment) rowBytes(i int) int {
	if i+1 < len(s.offsets) {
		return int(s.offsets[i+1] - s.offsets[i])
	}
	return len(s.data) - int(s.offsets[i])
}

// RowsWithin returns how many rows from the first fit in maxBytes.
func (b *Batch) RowsWithin(maxBytes int) int {
	total, rows := 0, 0
	for _, s := range b.segments {
		if total+len(s.data) <= maxBytes {
			total += len(s.data)
			rows += len(s.offsets)
			continue
		}
		for i := range s.offsets {
			total += s.rowBytes(i)
			if total > maxBytes {
				return rows + i
			}
		}
	}
	return rows
}

// Append moves the rows of other to the end of b.
func (b *Batch) Append(other *Batch) {
	b.segments = append(b.segments, other.segments...)
	other.segments = nil
}

// TakeFront removes the first n rows from b and returns them as a batch.
func (b *Batch) TakeFront(n int) *Batch {
	front := &Batch{}
	for taken := 0; len(b.segments) > 0 && taken < n; {
		s := b.segments[0]
		if take := n - taken; take < len(s.offsets) {
			end := s.offsets[take]
			rest := make([]uint32, len(s.offsets)-take)
			for i, off := range s.offsets[take:] {
				rest[i] = off - end
			}
			// Capped: the two segments share the array they were cut from.
			s, b.segments[0] = segment{data: s.data[:end:end], offsets: s.offsets[:take:take]}, segment{data: s.data[end:], offsets: rest}
		} else {
			b.segments = b.segments[1:]
		}
		front.segments = append(front.segments, s)
		taken += len(s.offsets)
	}
	return front
}

// maxPresize bounds the buffer NewBatch sizes from a request's first row: a
// large first row must not make it allocate for a thousand like it.
const maxPresize = 8 << 20

// NewBatch converts the records of ld to rows. Records without a timestamp
// get their observed time, or now.
func NewBatch(ld plog.Logs) *Batch {
	rb := rowBuilderPool.Get().(*rowBuilder)
	defer rowBuilderPool.Put(rb)
	var seg segment
	now := pcommon.NewTimestampFromTime(time.Now())
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		resAttrs := rl.Resource().Attributes()
		service, source := "", ""
		if v, ok := resAttrs.Get(string(semconv.ServiceNameKey)); ok {
			service = v.AsString()
		}
		if v, ok := resAttrs.Get(string(semconv.HostNameKey)); ok {
			source = v.AsString()
		}
		recordTenant := defaultTenant
		if v, ok := resAttrs.Get(tenant.ResourceAttribute); ok {
			recordTenant = tenantID(v.AsString())
		}
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				rec := lrs.At(k)
				ts := rec.Timestamp()
				if ts == 0 {
					ts = rec.ObservedTimestamp()
				}
				if ts == 0 {
					ts = now
				}
				rb.buildRow(service, source, resAttrs, rec)
				seg.appendRow(int64(ts), recordTenant, rb.template, rb.fields)
				if len(seg.offsets) == 1 {
					// Sized from the first row (up to maxPresize), so that
					// the rows are not copied again and again as it grows.
					records := ld.LogRecordCount()
					seg.offsets = slices.Grow(seg.offsets, records-1)
					seg.data = slices.Grow(seg.data, min(len(seg.data)*records*5/4, maxPresize))
				}
			}
		}
	}
	// The pooled builder must not pin this batch's strings.
	clear(rb.fields)
	rb.template = ""
	return newBatch(seg)
}

func newBatch(s segment) *Batch {
	if len(s.offsets) == 0 {
		return &Batch{}
	}
	return &Batch{segments: []segment{s}}
}

func (s *segment) appendRow(ts int64, t logstorage.TenantID, template string, fields []logstorage.Field) {
	s.offsets = append(s.offsets, uint32(len(s.data)))
	d := binary.LittleEndian.AppendUint64(s.data, uint64(ts))
	d = binary.AppendUvarint(d, uint64(t.AccountID))
	d = binary.AppendUvarint(d, uint64(t.ProjectID))
	d = appendString(d, template)
	d = binary.AppendUvarint(d, uint64(len(fields)))
	for _, f := range fields {
		if i, ok := knownFieldIndex(f.Name); ok {
			d = binary.AppendUvarint(d, i)
		} else {
			d = binary.AppendUvarint(d, uint64(len(knownFieldNames)+len(f.Name)))
			d = append(d, f.Name...)
		}
		d = appendString(d, f.Value)
	}
	s.data = d
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// batchRow is one decoded row; its strings point into the batch's data.
type batchRow struct {
	ts       int64
	tenant   logstorage.TenantID
	template string
	fields   []logstorage.Field
}

var errCorruptBatch = errors.New("corrupt row batch")

// decodeRow decodes the row at data[pos:], appending its fields to
// row.fields, and returns where the next row starts.
func decodeRow(data []byte, pos int, row *batchRow) (int, error) {
	if len(data)-pos < 8 {
		return 0, errCorruptBatch
	}
	row.ts = int64(binary.LittleEndian.Uint64(data[pos:]))
	pos += 8
	account, pos, err := readUvarint(data, pos)
	if err != nil {
		return 0, err
	}
	project, pos, err := readUvarint(data, pos)
	if err != nil {
		return 0, err
	}
	if account > 1<<32-1 || project > 1<<32-1 {
		return 0, errCorruptBatch
	}
	row.tenant = logstorage.TenantID{AccountID: uint32(account), ProjectID: uint32(project)}
	if row.template, pos, err = readString(data, pos); err != nil {
		return 0, err
	}
	n, pos, err := readUvarint(data, pos)
	if err != nil {
		return 0, err
	}
	if n > uint64(len(data)-pos) {
		return 0, errCorruptBatch
	}
	for range n {
		code, next, err := readUvarint(data, pos)
		if err != nil {
			return 0, err
		}
		pos = next
		var name string
		if code < uint64(len(knownFieldNames)) {
			name = knownFieldNames[code]
		} else {
			size := code - uint64(len(knownFieldNames))
			if size > uint64(len(data)-pos) {
				return 0, errCorruptBatch
			}
			name = unsafeString(data[pos : pos+int(size)])
			pos += int(size)
		}
		var value string
		if value, pos, err = readString(data, pos); err != nil {
			return 0, err
		}
		row.fields = append(row.fields, logstorage.Field{Name: name, Value: value})
	}
	return pos, nil
}

func readUvarint(data []byte, pos int) (uint64, int, error) {
	v, n := binary.Uvarint(data[pos:])
	if n <= 0 {
		return 0, 0, errCorruptBatch
	}
	return v, pos + n, nil
}

func readString(data []byte, pos int) (string, int, error) {
	size, pos, err := readUvarint(data, pos)
	if err != nil {
		return "", 0, err
	}
	if size > uint64(len(data)-pos) {
		return "", 0, errCorruptBatch
	}
	return unsafeString(data[pos : pos+int(size)]), pos + int(size), nil
}

// batchMagic starts an encoded batch; the digit is the format's version.
const batchMagic = "PLRB1"

// IsEncodedBatch reports whether data starts like AppendBinary's output.
func IsEncodedBatch(data []byte) bool {
	return len(data) >= len(batchMagic) && string(data[:len(batchMagic)]) == batchMagic
}

// AppendBinary appends the encoded batch to dst.
func (b *Batch) AppendBinary(dst []byte) []byte {
	dst = slices.Grow(dst, len(batchMagic)+binary.MaxVarintLen64+b.Bytes())
	dst = append(dst, batchMagic...)
	dst = binary.AppendUvarint(dst, uint64(b.Len()))
	for _, s := range b.segments {
		dst = append(dst, s.data...)
	}
	return dst
}

// UnmarshalBatch decodes what AppendBinary wrote, checking every row. The
// batch keeps its own copy of the rows.
func UnmarshalBatch(data []byte) (*Batch, error) {
	if !IsEncodedBatch(data) {
		return nil, fmt.Errorf("%w: no %q header", errCorruptBatch, batchMagic)
	}
	rows, pos, err := readUvarint(data, len(batchMagic))
	if err != nil {
		return nil, err
	}
	// Every row takes at least 12 bytes; a count beyond that is corrupt.
	if rows > uint64(len(data)-pos)/12 {
		return nil, fmt.Errorf("%w: %d rows in %d bytes", errCorruptBatch, rows, len(data)-pos)
	}
	s := segment{data: append([]byte(nil), data[pos:]...), offsets: make([]uint32, 0, rows)}
	var row batchRow
	for at := 0; at < len(s.data); {
		if uint64(len(s.offsets)) == rows {
			return nil, fmt.Errorf("%w: bytes after the last of %d rows", errCorruptBatch, rows)
		}
		s.offsets = append(s.offsets, uint32(at))
		row.fields = row.fields[:0]
		if at, err = decodeRow(s.data, at, &row); err != nil {
			return nil, fmt.Errorf("row %d: %w", len(s.offsets)-1, err)
		}
	}
	if uint64(len(s.offsets)) != rows {
		return nil, fmt.Errorf("%w: %d of %d rows", errCorruptBatch, len(s.offsets), rows)
	}
	return newBatch(s), nil
}
