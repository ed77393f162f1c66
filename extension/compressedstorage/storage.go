package compressedstorage // import "github.com/paylog/paylog/extension/compressedstorage"

import (
	"bytes"
	"context"
	"fmt"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/valyala/gozstd"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/paylog/paylog/internal/hostext"
)

// A header starts every value this extension writes and names its codec.
// A value without one was written before compression was turned on and is
// returned as stored, so a queue keeps its items across the change.
var (
	zstdHeader = []byte("PLZ1")
	s2Header   = []byte("PLS2")
)

// maxValueBytes bounds what one value may decompress to.
const maxValueBytes = 1 << 30

type compressedStorage struct {
	cfg    *Config
	inner  storage.Extension
	logger *zap.Logger
	// zstdLevel is the level of the C zstd library (gozstd, which the
	// embedded store links for its blocks): at level 1 it compressed a
	// 1,000-entry request twice as fast as klauspost/compress at its fastest,
	// to the same size. Frames are standard zstd: either library reads them.
	zstdLevel int
	dec       *zstd.Decoder
	// s2Encode is the s2 function for the level (codec: s2).
	s2Encode func(dst, src []byte) []byte
}

var (
	_ storage.Extension               = (*compressedStorage)(nil)
	_ extensioncapabilities.Dependent = (*compressedStorage)(nil)
)

func newCompressedStorage(cfg *Config, logger *zap.Logger) (*compressedStorage, error) {
	// DecodeAll is safe for concurrent use; it refuses frames that would
	// decode to more than maxValueBytes before allocating them.
	dec, err := zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxValueBytes))
	if err != nil {
		return nil, err
	}
	s2Encode := map[string]func(dst, src []byte) []byte{"fastest": s2.Encode, "default": s2.EncodeBetter, "better": s2.EncodeBest}[cfg.Level]
	zstdLevel := map[string]int{"fastest": 1, "default": 3, "better": 7}[cfg.Level]
	return &compressedStorage{cfg: cfg, logger: logger, zstdLevel: zstdLevel, dec: dec, s2Encode: s2Encode}, nil
}

// Dependencies makes the collector start the wrapped storage first.
func (s *compressedStorage) Dependencies() []component.ID { return []component.ID{s.cfg.Storage} }

func (s *compressedStorage) Start(_ context.Context, host component.Host) error {
	inner, err := hostext.Find[storage.Extension](host, "storage", s.cfg.Storage, "a storage extension")
	if err != nil {
		return err
	}
	s.inner = inner
	return nil
}

func (s *compressedStorage) Shutdown(context.Context) error {
	s.dec.Close()
	return nil
}

func (s *compressedStorage) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	if s.inner == nil {
		return nil, fmt.Errorf("compressed_storage is not started")
	}
	inner, err := s.inner.GetClient(ctx, kind, id, name)
	if err != nil {
		return nil, err
	}
	return &client{inner: inner, s: s}, nil
}

type client struct {
	inner storage.Client
	s     *compressedStorage
}

func (s *compressedStorage) compress(value []byte) []byte {
	if value == nil {
		return nil
	}
	if s.cfg.Codec == codecS2 {
		out := make([]byte, len(s2Header)+s2.MaxEncodedLen(len(value)))
		copy(out, s2Header)
		encoded := s.s2Encode(out[len(s2Header):], value)
		return out[:len(s2Header)+len(encoded)]
	}
	out := make([]byte, len(zstdHeader), len(zstdHeader)+len(value)/4+64)
	copy(out, zstdHeader)
	return gozstd.CompressLevel(out, value, s.zstdLevel)
}

func (s *compressedStorage) decompress(key string, value []byte) ([]byte, error) {
	var (
		out []byte
		err error
	)
	switch {
	case bytes.HasPrefix(value, zstdHeader):
		out, err = s.dec.DecodeAll(value[len(zstdHeader):], nil)
	case bytes.HasPrefix(value, s2Header):
		out, err = decodeS2(value[len(s2Header):])
	default:
		return value, nil
	}
	if err != nil {
		// A persistent queue drops an item it cannot read with only a debug
		// log; the loss must show.
		s.logger.Error("A stored value could not be decompressed; its reader may drop it",
			zap.String("key", key), zap.Error(err))
		return nil, fmt.Errorf("decompress the value of %q: %w", key, err)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// decodeS2 decodes an s2 block, refusing one that claims more than
// maxValueBytes.
func decodeS2(block []byte) ([]byte, error) {
	n, err := s2.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > maxValueBytes {
		return nil, fmt.Errorf("s2 block decodes to %d bytes, over the %d bound", n, maxValueBytes)
	}
	return s2.Decode(make([]byte, n), block)
}

func (c *client) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := c.inner.Get(ctx, key)
	if err != nil || v == nil {
		return v, err
	}
	return c.s.decompress(key, v)
}

func (c *client) Set(ctx context.Context, key string, value []byte) error {
	return c.inner.Set(ctx, key, c.s.compress(value))
}

func (c *client) Delete(ctx context.Context, key string) error {
	return c.inner.Delete(ctx, key)
}

// Batch passes the operations on with compressed values and decompresses
// what the Gets read. The callers' operations are not modified until the
// inner batch succeeded.
func (c *client) Batch(ctx context.Context, ops ...*storage.Operation) error {
	inner := make([]*storage.Operation, len(ops))
	for i, op := range ops {
		copied := *op
		if op.Type == storage.Set {
			copied.Value = c.s.compress(op.Value)
		}
		inner[i] = &copied
	}
	if err := c.inner.Batch(ctx, inner...); err != nil {
		return err
	}
	for i, op := range ops {
		if op.Type != storage.Get {
			continue
		}
		if inner[i].Value == nil {
			op.Value = nil
			continue
		}
		v, err := c.s.decompress(op.Key, inner[i].Value)
		if err != nil {
			return err
		}
		op.Value = v
	}
	return nil
}

func (c *client) Close(ctx context.Context) error { return c.inner.Close(ctx) }
