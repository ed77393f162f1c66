package miner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzBatchesMineLikeSingleMessages feeds arbitrary lines to the miner: it
// must not panic, and mining them in one batch must give what mining them
// one by one gives (the batch skips the tree for repeats).
//
//	go test -run '^$' -fuzz FuzzBatchesMineLikeSingleMessages -fuzztime 60s ./internal/miner/
func FuzzBatchesMineLikeSingleMessages(f *testing.F) {
	f.Add("user 1 logged in\nuser 2 logged in\nuser 1 logged in")
	f.Add("acquire tag=\"View Lock\", uid=1\nacquire tag=\"x\", uid=2\ntag=\"open")
	f.Add("[instance: 7d4f] Claim successful\n[instance: 8e5a] Creating image\nnode-82 up\nnode-3 down")
	f.Add("Jul 10 13:17:22 2005 x\n403 bytes (0.39 KB) sent\n<1 sec\n/var/www/html/ @0x1f\nü ß\t\v")
	f.Fuzz(func(t *testing.T, input string) {
		messages := strings.Split(input, "\n")
		cfg := Config{MaxClusters: 4, MaxTokens: 8, MaxMessageBytes: 64}
		single, batched := New(cfg), New(cfg)
		want := make([]Match, 0, len(messages))
		for _, m := range messages {
			want = append(want, single.Add(m))
		}
		got := batched.AppendBatch(nil, messages)
		require.Equal(t, want, got)
		require.Equal(t, single.Stats(), batched.Stats())
	})
}
