package queuehealth

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// MetadataKey is where the collector's persistent queue (exporterhelper
// v0.158.0, internal/queue/meta.proto) keeps its state in its storage
// client: a protobuf message with items_size (1, sfixed64), bytes_size (2,
// sfixed64), read_index (3, fixed64), write_index (4, fixed64) and
// currently_dispatched_items (5, repeated fixed64). Tests decode what a real
// queue wrote (redis_storage's health, the logstore exporter's removed
// queue shards), so a change of format fails a test, not a user.
const MetadataKey = "qmv0"

// Metadata is the state of one persistent queue.
type Metadata struct {
	Items                 int64
	ReadIndex, WriteIndex uint64
	Dispatched            int
}

// Requests is how many requests the queue holds: not yet read, or read and
// not yet done (those are read again after a restart).
func (m Metadata) Requests() int64 {
	return int64(m.WriteIndex-m.ReadIndex) + int64(m.Dispatched)
}

// DecodeMetadata decodes the value stored under MetadataKey.
func DecodeMetadata(b []byte) (Metadata, error) {
	var m Metadata
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return m, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case typ == protowire.Fixed64Type:
			v, n := protowire.ConsumeFixed64(b)
			if n < 0 {
				return m, protowire.ParseError(n)
			}
			b = b[n:]
			switch num {
			case 1:
				m.Items = int64(v)
			case 3:
				m.ReadIndex = v
			case 4:
				m.WriteIndex = v
			case 5:
				m.Dispatched++
			}
		case typ == protowire.BytesType && num == 5:
			// Packed repeated fixed64.
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return m, protowire.ParseError(n)
			}
			if len(v)%8 != 0 {
				return m, errors.New("currently_dispatched_items: not a whole number of fixed64")
			}
			m.Dispatched += len(v) / 8
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return m, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	if m.WriteIndex < m.ReadIndex {
		return m, fmt.Errorf("write index %d is behind read index %d", m.WriteIndex, m.ReadIndex)
	}
	return m, nil
}
