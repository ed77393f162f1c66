package miner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzMessagesOfOneShapeMaskAlike checks what the shape cache relies on:
// two messages that differ only in which digits they have are masked alike
// whenever the masked tokens keep no digit.
//
//	go test -run '^$' -fuzz FuzzMessagesOfOneShapeMaskAlike -fuzztime 60s ./internal/miner/
func FuzzMessagesOfOneShapeMaskAlike(f *testing.F) {
	f.Add("User 12 logged in from 10.1.2.3", byte(3))
	f.Add("Payment 3fa9c0d1e2b4 authorized amount=12.05 currency=USD", byte(1))
	f.Add("Jul 10 13:17:22 2005 x 403 bytes (0.39 KB) sent <1 sec", byte(7))
	f.Add("SHA256 x509 HTTP/1.1 SSH-2.0 node-82 blk_-123 core.114 uid=0 LOGIN(uid=0", byte(5))
	f.Add("acquire tag=\"View 1 Lock\", uid=1 @0x1f /var/www/7/ ü ß\t\v", byte(9))
	f.Fuzz(func(t *testing.T, message string, shift byte) {
		other := []byte(message)
		for i, c := range other {
			if c >= '0' && c <= '9' {
				other[i] = '0' + (c-'0'+shift)%10
			}
		}
		for _, cfg := range []Config{{}, {MaxTokens: 8, MaxMessageBytes: 64}} {
			m := New(cfg)
			want, _ := m.appendTokens(nil, message)
			if hasDigit(strings.Join(want, " ")) {
				continue
			}
			got, _ := m.appendTokens(nil, string(other))
			require.Equal(t, want, got, "%q and %q", message, other)
		}
	})
}

// appendShape reads eight bytes at a time; it must read every byte as a
// byte loop does, whatever the bytes (UTF-8, 0x80-0xff, digits' neighbours).
func FuzzAppendShapeReadsEveryDigit(f *testing.F) {
	f.Add("User 12 logged in from 10.1.2.3")
	f.Add("/09:;@AZ[`az{\x7f\x80\xb0\xb9\xba\xff ü 0123456789")
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	f.Add(string(every))
	f.Fuzz(func(t *testing.T, message string) {
		want := []byte(message)
		for i, c := range want {
			if c >= '0' && c <= '9' {
				want[i] = '0'
			}
		}
		require.Equal(t, want, appendShape([]byte("x"), message)[1:])
	})
}

// FuzzShapeCacheAnswersAsMasking checks the cache's answers against masking
// itself, for miners of different limits sharing the cache, with digits
// changed between sightings, and hex letters too in the fields that could
// be folded.
//
//	go test -run '^$' -fuzz FuzzShapeCacheAnswersAsMasking -fuzztime 60s ./internal/miner/
func FuzzShapeCacheAnswersAsMasking(f *testing.F) {
	f.Add("User 12 logged in from 10.1.2.3\nSHA256 ok 1\nHTTP/1.1 200 in 3ms")
	f.Add("a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8 i 9\nJul 10 13:17:22 2005 x 403 bytes (0.39 KB) sent")
	f.Add("Payment 3fa9c0d1e2b4 authorized\nreq 3f2b8c1e-0d4a-4c55-9d7e-1a2b3c4d5e6f (0.39 KB) done\nkey abcdef12 x=\"1 2\" <1 sec")
	f.Fuzz(func(t *testing.T, input string) {
		miners := []*Miner{New(Config{}), New(Config{MaxTokens: 4, MaxMessageBytes: 24})}
		var shape []byte
		for round := byte(0); round < 3; round++ {
			for _, message := range strings.Split(input, "\n") {
				changed := []byte(message)
				inHexField := false
				for i, c := range changed {
					if i == 0 || asciiSpace[changed[i-1]] {
						inHexField = hexField(message[i:])
					}
					switch {
					case c >= '0' && c <= '9':
						changed[i] = '0' + (c-'0'+round)%10
					case inHexField && c >= 'a' && c <= 'f':
						changed[i] = 'a' + (c-'a'+round)%6
					case inHexField && c >= 'A' && c <= 'F':
						changed[i] = 'A' + (c-'A'+round)%6
					}
				}
				for _, m := range miners {
					want, _ := m.appendTokens(nil, string(changed))
					got, hash := cachedTokens(m, string(changed), &shape)
					// Compared as non-nil slices: an empty answer may be either.
					require.Equal(t, append([]string{}, want...), append([]string{}, got...), "%q", changed)
					require.Equal(t, hashTokens(want), hash)
				}
			}
		}
	})
}

// hexField reports whether the field s starts with is made of hex digits
// and dashes only.
func hexField(s string) bool {
	for i := 0; i < len(s) && !asciiSpace[s[i]]; i++ {
		if !hexOrDash[s[i]] {
			return false
		}
	}
	return true
}

// cachedTokens returns what AppendBatch mines for message: the shape
// cache's tokens when it answers, else the message's masked tokens.
func cachedTokens(m *Miner, message string, shape *[]byte) ([]string, uint64) {
	dst, hash, entry := m.tokensOf(nil, message, shape)
	return tokenBounds{end: len(dst), entry: entry}.of(dst), hash
}

// Messages that differ in a hex id or a UUID share a folded shape; the
// cache answers for the third of a shape with the tokens masking gives. A
// field masking keeps (a word with a number, letters and digits that read
// as a name) or one before a "(0.39 KB)" is not folded.
func TestFoldedShapeAnswersForHexIDs(t *testing.T) {
	cases := []struct {
		messages [3]string
		answered bool
	}{
		{[3]string{"Payment 3fa9c0d1e2b4 authorized amount=12.05", "Payment b7e1f2a3c4d5 authorized amount=33.99", "Payment 0c4d5e6f7a8b authorized amount=71.00"}, true},
		{[3]string{"req 3f2b8c1e-0d4a-4c55-9d7e-1a2b3c4d5e6f done", "req 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d done", "req 1b2c3d4e-aaaa-4bbb-8ccc-dddddddddd12 done"}, true},
		{[3]string{"Session 5FA2C9D1E0B3A4C7 refreshed, ttl=30s", "Session A1B2C3D4E5F60718 refreshed, ttl=60s", "Session 0F1E2D3C4B5A6978 refreshed, ttl=90s"}, true},
		// Letters then digits read as a name (isNamedWord): kept, not folded.
		{[3]string{"key abcdef12 set", "key deadbe34 set", "key facade56 set"}, false},
		// What follows "(0.39 KB)" joins the field before it: "ab12cd34efx"
		// reads as a name where "1a2b3c4d5ex" is a value.
		{[3]string{"sent 1a2b3c4d5e (0.39 KB)x ok", "sent 9f8e7d6c5b (0.40 KB)x ok", "sent ab12cd34ef (1.00 KB)x ok"}, false},
		// "ab-<*>", not a lone wildcard: not folded.
		{[3]string{"id ab-12345678 ok", "id cd-87654321 ok", "id 5a6b7c8d9e ok"}, false},
		// Not ASCII: strings.Fields may split at other spaces.
		{[3]string{"job 3fa9c0d1e2b4 ü", "job b7e1f2a3c4d5 ü", "job 0c4d5e6f7a8b ü"}, false},
	}
	for _, tc := range cases {
		m := New(Config{})
		var shape []byte
		for i, msg := range tc.messages {
			got, gotHash, entry := m.tokensOf(nil, msg, &shape)
			tokens := tokenBounds{end: len(got), entry: entry}.of(got)
			want, _ := m.appendTokens(nil, msg)
			require.Equal(t, want, tokens, msg)
			require.Equal(t, hashTokens(want), gotHash, msg)
			if i == 2 {
				assert.Equal(t, tc.answered, entry != nil, msg)
			}
		}
	}
}

// A folded shape holds 0xff for a field; a message with that byte has the
// same plain shape, and must not get the folded entry's tokens.
func TestFoldedAndPlainShapesDoNotMix(t *testing.T) {
	m := New(Config{})
	var shape []byte
	for _, msg := range []string{"x 1a2b3c4d5e y", "x 9f8e7d6c5b y", "x \xff y"} {
		got, _, entry := m.tokensOf(nil, msg, &shape)
		want, _ := m.appendTokens(nil, msg)
		require.Equal(t, want, tokenBounds{end: len(got), entry: entry}.of(got), "%q", msg)
	}
}
