package queuehealth

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

func TestDecodeQueueMetadata(t *testing.T) {
	// The persistent queue's state as proto3 encodes it (meta.proto).
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 4200)
	b = protowire.AppendTag(b, 2, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 1<<20)
	b = protowire.AppendTag(b, 3, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 10)
	b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 13)
	var dispatched []byte
	dispatched = protowire.AppendFixed64(dispatched, 8)
	dispatched = protowire.AppendFixed64(dispatched, 9)
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	b = protowire.AppendBytes(b, dispatched)

	m, err := DecodeMetadata(b)
	require.NoError(t, err)
	assert.Equal(t, Metadata{Items: 4200, ReadIndex: 10, WriteIndex: 13, Dispatched: 2}, m)

	assert.Equal(t, int64(5), m.Requests(), "3 unread and 2 being done")

	_, err = DecodeMetadata(b[:len(b)-3])
	assert.Error(t, err, "a cut message is an error")
}
