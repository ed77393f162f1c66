package miner

import (
	"bytes"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// A message's shape is the message with every ASCII digit read as '0'.
// Masking decides by where digits are, never by which digits they are (its
// rules ask "is this a digit", and digits are never parts of keys, units,
// month names or state words), so messages of one shape are masked by the
// same decisions. Where those decisions keep no digit in the tokens, the
// tokens of every message of the shape are equal: "User 12 logged in from
// 10.1.2.3" and "User 57 logged in from 10.9.8.7" are both "User <*> logged
// in from <*>". A shape cache remembers such tokens, so that a message whose
// shape was seen skips splitting and masking: most of the miner's time in
// the collector (BenchmarkAppendBatchWorkload).

const (
	// shapeSlots bounds the cache: one entry per slot, the newest wins.
	shapeSlots = 4096
	// maxShapeBytes bounds what one entry holds: longer messages are rare
	// and are masked every time.
	maxShapeBytes = 512
)

// shapeEntry is immutable once stored.
type shapeEntry struct {
	hash  uint64
	shape []byte
	// tokens are views into one string the entry owns, never into a
	// message (which would keep a request's memory alive).
	tokens     []string
	tokensHash uint64
}

// shapeCache is a direct-mapped, lock-free cache: a lookup is a load and a
// compare, a store replaces the slot's entry. A shape is stored only when
// it is seen for the second time (the seen slots remember hashes), so that
// one-off shapes — a message with a hex id has a new shape every time — do
// not push out the shapes that repeat.
type shapeCache struct {
	entries [shapeSlots]atomic.Pointer[shapeEntry]
	seen    [shapeSlots]atomic.Uint64
}

var shapeSeed = maphash.MakeSeed()

// shapeBuffers hold the shape of the message being looked up.
var shapeBuffers = sync.Pool{New: func() any { return new([]byte) }}

// appendShape appends the shape of message to dst.
func appendShape(dst []byte, message string) []byte {
	start := len(dst)
	dst = append(dst, message...)
	shape := dst[start:]
	for i, c := range shape {
		if c >= '0' && c <= '9' {
			shape[i] = '0'
		}
	}
	return dst
}

// lookup returns the cached tokens of message's shape, or ok false with the
// shape's hash for store. Messages too long to cache are never found.
func (sc *shapeCache) lookup(message string, buf *[]byte) (e *shapeEntry, hash uint64, ok bool) {
	*buf = (*buf)[:0]
	if len(message) > maxShapeBytes {
		return nil, 0, false
	}
	*buf = appendShape(*buf, message)
	hash = maphash.Bytes(shapeSeed, *buf)
	e = sc.entries[hash%shapeSlots].Load()
	if e != nil && e.hash == hash && bytes.Equal(e.shape, *buf) {
		return e, hash, true
	}
	return nil, hash, false
}

// store remembers the tokens of the shape in buf (filled by a lookup that
// missed) when they hold no digit and the shape was seen before.
func (sc *shapeCache) store(shape []byte, hash uint64, tokens []string, tokensHash uint64) {
	if len(shape) == 0 || len(shape) > maxShapeBytes {
		return
	}
	if sc.seen[hash%shapeSlots].Swap(hash) != hash {
		return
	}
	size := 0
	for _, t := range tokens {
		if hasDigit(t) {
			return
		}
		size += len(t)
	}
	var all strings.Builder
	all.Grow(size)
	for _, t := range tokens {
		all.WriteString(t)
	}
	owned, views := all.String(), make([]string, len(tokens))
	for i, t := range tokens {
		views[i], owned = owned[:len(t)], owned[len(t):]
	}
	sc.entries[hash%shapeSlots].Store(&shapeEntry{hash: hash, shape: bytes.Clone(shape), tokens: views, tokensHash: tokensHash})
}
