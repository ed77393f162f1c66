package redisstorage // import "github.com/paylog/paylog/extension/redisstorage"

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// queueMetadataKey is where the collector's persistent queue (exporterhelper
// v0.158.0, internal/queue/meta.proto) keeps its state: a protobuf message
// with items_size (1, sfixed64), bytes_size (2, sfixed64), read_index (3,
// fixed64), write_index (4, fixed64) and currently_dispatched_items (5,
// repeated fixed64). Read for GET /health only; the end-to-end test checks
// the depth it gives, so a change of format fails a test, not a user.
const queueMetadataKey = "qmv0"

type queueMetadata struct {
	items                 int64
	readIndex, writeIndex uint64
	dispatched            int
}

func decodeQueueMetadata(b []byte) (queueMetadata, error) {
	var m queueMetadata
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
				m.items = int64(v)
			case 3:
				m.readIndex = v
			case 4:
				m.writeIndex = v
			case 5:
				m.dispatched++
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
			m.dispatched += len(v) / 8
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return m, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	if m.writeIndex < m.readIndex {
		return m, fmt.Errorf("write index %d is behind read index %d", m.writeIndex, m.readIndex)
	}
	return m, nil
}
