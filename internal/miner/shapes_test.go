package miner

import (
	"strings"
	"testing"

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
// changed between sightings.
//
//	go test -run '^$' -fuzz FuzzShapeCacheAnswersAsMasking -fuzztime 60s ./internal/miner/
func FuzzShapeCacheAnswersAsMasking(f *testing.F) {
	f.Add("User 12 logged in from 10.1.2.3\nSHA256 ok 1\nHTTP/1.1 200 in 3ms")
	f.Add("a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8 i 9\nJul 10 13:17:22 2005 x 403 bytes (0.39 KB) sent")
	f.Fuzz(func(t *testing.T, input string) {
		miners := []*Miner{New(Config{}), New(Config{MaxTokens: 4, MaxMessageBytes: 24})}
		var shape []byte
		for round := byte(0); round < 3; round++ {
			for _, message := range strings.Split(input, "\n") {
				changed := []byte(message)
				for i, c := range changed {
					if c >= '0' && c <= '9' {
						changed[i] = '0' + (c-'0'+round)%10
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

// cachedTokens returns what AppendBatch mines for message: the shape
// cache's tokens when it answers, else the message's masked tokens.
func cachedTokens(m *Miner, message string, shape *[]byte) ([]string, uint64) {
	dst, hash, entry := m.tokensOf(nil, message, shape)
	return tokenBounds{end: len(dst), entry: entry}.of(dst), hash
}
