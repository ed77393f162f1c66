package miner

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// A message's shape is the message with every ASCII digit read as '0'.
// Masking decides by where digits are, never by which digits they are (its
// rules ask "is this a digit", and no unit, month name or state word has
// one), so messages of one shape are masked by the same decisions. Where
// those decisions keep no digit in the tokens, the tokens of every message
// of the shape are equal: "User 12 logged in from 10.1.2.3" and "User 57
// logged in from 10.9.8.7" are both "User <*> logged in from <*>". A shape
// cache remembers such tokens, so that a message whose shape was seen skips
// splitting and masking: most of the miner's time in the collector
// (BenchmarkAppendBatchWorkload).
//
// A message with a hex id or a UUID has a shape of its own every time (its
// letters vary), so such messages are also looked up by their folded shape:
// the shape with every field that masking turns into a lone wildcard and
// that is made of hex digits and dashes written as one 0xff byte. Whatever
// hex digits such a field has, it is one wildcard, and no other rule looks
// into it (dates, measures and quoted values look for months, units, '(',
// '<', '=' and '"'); the one rule that edits a field next to it — a
// "(0.39 KB)" after it — is kept out by not folding a field before a '('.

const (
	// shapeSlots bounds the cache: one entry per slot, the newest wins.
	shapeSlots = 4096
	// maxShapeBytes and maxShapeTokens bound what one entry holds (about
	// 2 KB at most, 9 MB for the whole cache; a few hundred bytes for a
	// usual message). Longer messages are masked every time.
	maxShapeBytes  = 512
	maxShapeTokens = 64
)

// shapes is shared by every Miner of the process: the tokens of an uncut
// message do not depend on the miner or its clusters, and the limits that
// cut messages are checked on every lookup (Miner.tokensOf). One cache
// keeps the memory bound whatever the number of pattern spaces.
var shapes shapeCache

// shapeEntry is immutable once stored.
type shapeEntry struct {
	hash uint64
	// folded entries are keyed by a folded shape, which can equal a plain
	// shape of a message that is not ASCII.
	folded bool
	shape  []byte
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

// appendShape appends the shape of message to dst. It reads eight bytes at
// a time: a byte loop was 60% of a lookup in the collector's CPU profile.
func appendShape(dst []byte, message string) []byte {
	start := len(dst)
	dst = append(dst, message...)
	shape := dst[start:]
	i := 0
	for ; i+8 <= len(shape); i += 8 {
		word := binary.LittleEndian.Uint64(shape[i:])
		binary.LittleEndian.PutUint64(shape[i:], word&^(digitBytes(word)*0x0f))
	}
	for ; i < len(shape); i++ {
		if c := shape[i]; c >= '0' && c <= '9' {
			shape[i] = '0'
		}
	}
	return dst
}

// digitBytes returns 0x01 in each byte of word that is an ASCII digit and
// 0x00 in the others. Digits are 0x30-0x39, so clearing the low four bits
// of those bytes turns them into '0'. The sums stay within each byte: the
// high bits are cleared first and 0x7f+0x50 < 0x100.
func digitBytes(word uint64) uint64 {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	low7 := word &^ high
	atLeastZero := (low7 + 0x50*ones) & high       // byte >= 0x30
	aboveNine := (low7 + 0x46*ones) & high         // byte >= 0x3a
	return (atLeastZero &^ aboveNine &^ word) >> 7 // and below 0x80
}

// hexOrDash marks the bytes of a field that may be folded.
var hexOrDash = func() (set [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEF-") {
		set[c] = true
	}
	return set
}()

// minFoldedBytes is the shortest field folded: hex ids and hashes are
// longer, and shorter fields are more often words.
const minFoldedBytes = 8

// appendFoldedShape appends message's folded shape to dst; folded is false
// (and dst unchanged) when the message has no field to fold or is not
// ASCII (whose fields strings.Fields may split at other spaces).
func appendFoldedShape(dst []byte, message string) (_ []byte, folded bool) {
	start := len(dst)
	for i := 0; i < len(message); {
		if asciiSpace[message[i]] {
			dst = append(dst, message[i])
			i++
			continue
		}
		end := i
		letter := false
		for end < len(message) && hexOrDash[message[end]] {
			letter = letter || message[end] > '9'
			end++
		}
		if end-i >= minFoldedBytes && letter && (end == len(message) || asciiSpace[message[end]]) &&
			!nextFieldOpens(message[end:]) && maskToken(message[i:end]) == Wildcard {
			dst = append(dst, 0xff)
			folded = true
			i = end
			continue
		}
		for end < len(message) && !asciiSpace[message[end]] {
			if message[end] >= 0x80 {
				return dst[:start], false
			}
			end++
		}
		dst = appendShape(dst, message[i:end])
		i = end
	}
	if !folded {
		return dst[:start], false
	}
	return dst, true
}

// nextFieldOpens reports whether the field after rest's leading spaces
// starts with '(': collapseMeasures may join what follows it to the field
// before.
func nextFieldOpens(rest string) bool {
	for i := 0; i < len(rest); i++ {
		if !asciiSpace[rest[i]] {
			return rest[i] == '('
		}
	}
	return false
}

// lookup returns the cached tokens of message's shape, leaving the shape in
// buf and its hash for store. Messages too long to cache are never found.
func (sc *shapeCache) lookup(message string, buf *[]byte) (e *shapeEntry, hash uint64, ok bool) {
	*buf = (*buf)[:0]
	if len(message) > maxShapeBytes {
		return nil, 0, false
	}
	*buf = appendShape(*buf, message)
	hash = maphash.Bytes(shapeSeed, *buf)
	e, ok = sc.find(*buf, hash, false)
	return e, hash, ok
}

// lookupFolded is lookup by message's folded shape, appended to buf after
// what lookup left there; folded is false when the message has none.
func (sc *shapeCache) lookupFolded(message string, buf *[]byte) (e *shapeEntry, shape []byte, hash uint64, folded, ok bool) {
	if len(message) > maxShapeBytes {
		return nil, nil, 0, false, false
	}
	start := len(*buf)
	*buf, folded = appendFoldedShape(*buf, message)
	if !folded {
		return nil, nil, 0, false, false
	}
	shape = (*buf)[start:]
	hash = maphash.Bytes(shapeSeed, shape)
	e, ok = sc.find(shape, hash, true)
	return e, shape, hash, true, ok
}

func (sc *shapeCache) find(shape []byte, hash uint64, folded bool) (*shapeEntry, bool) {
	e := sc.entries[hash%shapeSlots].Load()
	if e != nil && e.hash == hash && e.folded == folded && bytes.Equal(e.shape, shape) {
		return e, true
	}
	return nil, false
}

// store remembers the tokens of shape (left by a lookup that missed, with
// its hash) when they hold no digit and the shape was seen before.
func (sc *shapeCache) store(shape []byte, hash uint64, folded bool, tokens []string, tokensHash uint64) {
	if len(shape) == 0 || len(shape) > maxShapeBytes || len(tokens) > maxShapeTokens {
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
	sc.entries[hash%shapeSlots].Store(&shapeEntry{hash: hash, folded: folded, shape: bytes.Clone(shape), tokens: views, tokensHash: tokensHash})
}
