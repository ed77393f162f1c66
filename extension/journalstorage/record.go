package journalstorage // import "github.com/paylog/paylog/extension/journalstorage"

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// A journal is a sequence of records, one per write (a Batch is one record,
// so it is applied whole or not at all after a crash):
//
//	crc32c(4, little endian) | payload length(4, little endian) | payload
//
// The checksum covers the length and the payload. The payload is the format
// version (1 byte), the operations, each its type (1 byte), the key (uvarint
// length, bytes) and for a set the value (uvarint length, bytes), and the
// operation count (4 bytes, little endian).
const (
	recordHeaderLen = 8
	recordVersion   = 1

	opSet    byte = 1
	opDelete byte = 2
)

// maxRecordLen bounds one record: a length beyond it is corruption, not a
// reason to allocate.
const maxRecordLen = 1 << 30

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errBadRecord = errors.New("bad record")

// recordWriter builds one record.
type recordWriter struct {
	buf []byte
	ops int
}

// op is an operation read back from a record: for a set, valueAt is the
// value's offset in the payload.
type op struct {
	kind    byte
	key     string
	valueAt int
	length  int
}

func (w *recordWriter) reset() {
	w.buf = append(w.buf[:0], make([]byte, recordHeaderLen)...)
	w.buf = append(w.buf, recordVersion)
	w.ops = 0
}

// set appends a set and returns the value's offset in the record (header
// included).
func (w *recordWriter) set(key string, value []byte) int {
	w.buf = append(w.buf, opSet)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(key)))
	w.buf = append(w.buf, key...)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(value)))
	at := len(w.buf)
	w.buf = append(w.buf, value...)
	w.ops++
	return at
}

func (w *recordWriter) delete(key string) {
	w.buf = append(w.buf, opDelete)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(key)))
	w.buf = append(w.buf, key...)
	w.ops++
}

// finish writes the operation count (at the end of the payload, as it is
// known only now) and the header, and returns the record.
func (w *recordWriter) finish() []byte {
	w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(w.ops))
	binary.LittleEndian.PutUint32(w.buf[4:8], uint32(len(w.buf)-recordHeaderLen))
	binary.LittleEndian.PutUint32(w.buf[0:4], crc32.Checksum(w.buf[4:], castagnoli))
	return w.buf
}

// parseRecord checks the record payload (the bytes after the header) and
// returns its operations.
func parseRecord(payload []byte, ops []op) ([]op, error) {
	if len(payload) < 1+4 || payload[0] != recordVersion {
		return ops, errBadRecord
	}
	want := binary.LittleEndian.Uint32(payload[len(payload)-4:])
	body := payload[1 : len(payload)-4]
	at := 1
	for len(body) > 0 {
		kind := body[0]
		if kind != opSet && kind != opDelete {
			return ops, errBadRecord
		}
		keyLen, n := binary.Uvarint(body[1:])
		if n <= 0 || keyLen > uint64(len(body)-1-n) {
			return ops, errBadRecord
		}
		skip := 1 + n
		key := string(body[skip : skip+int(keyLen)])
		skip += int(keyLen)
		o := op{kind: kind, key: key}
		if kind == opSet {
			valueLen, m := binary.Uvarint(body[skip:])
			if m <= 0 || valueLen > uint64(len(body)-skip-m) {
				return ops, errBadRecord
			}
			skip += m
			o.valueAt, o.length = at+skip, int(valueLen)
			skip += int(valueLen)
		}
		ops = append(ops, o)
		body, at = body[skip:], at+skip
	}
	if uint32(len(ops)) != want {
		return ops, errBadRecord
	}
	return ops, nil
}

// checkRecord verifies a record's checksum; header and payload are the
// record's bytes.
func checkRecord(header, payload []byte) bool {
	crc := crc32.Update(crc32.Checksum(header[4:8], castagnoli), castagnoli, payload)
	return crc == binary.LittleEndian.Uint32(header[0:4])
}
