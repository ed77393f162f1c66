package miner

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paylog/paylog/internal/workload"
)

func TestClustersGeneralizeAndKeepTheirID(t *testing.T) {
	m := New(Config{})
	first := m.Add("session opened for user root by (uid=0)")
	assert.Equal(t, "session opened for user root by (uid=<*>)", first.Template)
	second := m.Add("session opened for user news by (uid=9)")
	assert.Equal(t, first.ID, second.ID, "a cluster keeps its id when its template generalises")
	assert.Equal(t, "session opened for user <*> by (uid=<*>)", second.Template)
	template, ok := m.Template(first.ID)
	require.True(t, ok)
	assert.Equal(t, second.Template, template)

	other := m.Add("session closed for user root")
	assert.NotEqual(t, first.ID, other.ID)
}

func TestEnumWordsSeparateEvents(t *testing.T) {
	m := New(Config{})
	https := m.Add("203.205.151.164:443 open through proxy proxy.example.com:5070 HTTPS")
	socks := m.Add("183.62.156.108:22 open through proxy socks.example.com:5070 SOCKS5")
	assert.NotEqual(t, https.ID, socks.ID)
	assert.Equal(t, "<*> open through proxy <*> SOCKS5", socks.Template)
	assert.Equal(t, https.ID, m.Add("10.0.0.1:80 open through proxy proxy.example.com:5070 HTTPS").ID)
}

// Masked tokens without a letter ("<*>]", "<*>,") are structure, not words
// that agree: short messages that share only a bracketed id are different
// events.
func TestSharedStructureIsNotSimilarity(t *testing.T) {
	m := New(Config{})
	claim := m.Add("[instance: 7d4fb7d4-36d8-4c2d-a7d7-53ea2d0f7d2b] Claim successful")
	image := m.Add("[instance: 0a1b2c3d-36d8-4c2d-a7d7-53ea2d0f7d2b] Creating image")
	assert.NotEqual(t, claim.ID, image.ID)
	assert.Equal(t, "[instance: <*>] Creating image", image.Template)
	again := m.Add("[instance: 99fb7d4a-36d8-4c2d-a7d7-53ea2d0f7d2b] Claim successful")
	assert.Equal(t, claim.ID, again.ID)
	assert.Equal(t, "[instance: <*>] Claim successful", again.Template)
}

// By default a message joins a pattern when more than half of its words
// agree; half is not enough.
// Messages that say something else in three words in a row are different
// events, however many words around them agree; words that differ apart
// from each other, or values of one key, are variables.
func TestDifferentPhrasesSeparateEvents(t *testing.T) {
	m := New(Config{})
	resolve := m.Add("chrome.exe error : Could not connect to proxy proxy.example.org:5070 - Could not resolve proxy.example.org error 11001")
	failed := m.Add("chrome.exe error : Could not connect to proxy proxy.example.org:5070 - connection attempt failed with error 10061")
	assert.NotEqual(t, resolve.ID, failed.ID)
	assert.Equal(t, resolve.ID, m.Add("chrome.exe error : Could not connect to proxy proxy.example.org:5071 - Could not resolve proxy.example.org error 11002").ID)

	apart := m.Add("scheduler job alpha finished on node west after retry")
	assert.Equal(t, apart.ID, m.Add("scheduler job beta finished on node east after retry").ID, "two words apart are variables")
	keys := m.Add("audit record written action=login result=ok user=bob to journal")
	assert.Equal(t, keys.ID, m.Add("audit record written action=logout result=fail user=eve to journal").ID, "values of keys are variables")
}

func TestHalfTheWordsDoNotMakeAPattern(t *testing.T) {
	m := New(Config{})
	aborted := m.Add("Command has been aborted")
	completed := m.Add("Command has completed successfully")
	assert.NotEqual(t, aborted.ID, completed.ID)
	bye := m.Add("Received disconnect from 139.59.209.18: 11: Bye Bye [preauth]")
	byUser := m.Add("Received disconnect from 112.95.230.3: 11: disconnected by user")
	assert.NotEqual(t, bye.ID, byUser.ID)

	user := m.Add("Invalid user webmaster from 173.234.31.186")
	assert.Equal(t, user.ID, m.Add("Invalid user admin from 103.207.39.212").ID, "three of four words agree")
}

func TestStatesSeparateEvents(t *testing.T) {
	m := New(Config{})
	down := m.Add("interceptKeyTq keycode=4 interactive=true policyFlags=22000000 down true canceled false")
	up := m.Add("interceptKeyTq keycode=4 interactive=true policyFlags=22000000 down false canceled false")
	assert.NotEqual(t, down.ID, up.ID)
	shown := m.Add("updateClipping isOverlap:true, getTopPadding=134.0, Translation=0.0")
	hidden := m.Add("updateClipping isOverlap:false, getTopPadding=134.0, Translation=0.0")
	assert.NotEqual(t, shown.ID, hidden.ID)
	assert.Equal(t, "updateClipping isOverlap:false, getTopPadding=<*>, Translation=<*>", hidden.Template)
	assert.Equal(t, down.ID, m.Add("interceptKeyTq keycode=26 interactive=true policyFlags=1 down true canceled false").ID)

	enabled := m.Add("kernel time sync enabled 6c")
	disabled := m.Add("kernel time sync disabled 6c")
	assert.NotEqual(t, enabled.ID, disabled.ID)
	begin := m.Add("The change in focus caused us to need to do a layout Begin")
	end := m.Add("The change in focus caused us to need to do a layout end.")
	assert.NotEqual(t, begin.ID, end.ID)
}

// A quoted value is one variable, however many words it has: the two
// messages have different token counts but one template.
func TestQuotedValuesAreOneVariable(t *testing.T) {
	m := New(Config{})
	first := m.Add(`acquire lock=233570404, flags=0x1, tag="View Lock", name=com.android.systemui, uid=10037`)
	second := m.Add(`acquire lock=166121161, flags=0x1, tag="RILJ_ACK_WL", name=com.android.phone, uid=1001`)
	assert.Equal(t, first.ID, second.ID)
	assert.Equal(t, `acquire lock=<*>, flags=<*>, tag="<*>", name=<*>, uid=<*>`, second.Template)
}

// Names before a dot leader tell events apart as keys do (BGL's dumps).
func TestDotLeaderNamesSeparateEvents(t *testing.T) {
	m := New(Config{})
	illegal := m.Add("program interrupt: illegal instruction......0")
	privileged := m.Add("program interrupt: privileged instruction...1")
	assert.NotEqual(t, illegal.ID, privileged.ID)
	assert.Equal(t, "program interrupt: illegal instruction......<*>", m.Add("program interrupt: illegal instruction......7").Template)
}

// A list of values is one variable however long it is, and a long list
// does not cut the message; a few variables in a row stay apart.
func TestListsAreOneVariable(t *testing.T) {
	m := New(Config{MaxTokens: 16})
	list := func(n int) string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("blk_-%d", 1000+i*7)
		}
		return strings.Join(ids, " ")
	}
	one := m.Add("BLOCK* ask 10.250.14.224:50010 to delete " + list(1))
	nine := m.Add("BLOCK* ask 10.251.39.179:50010 to delete " + list(9))
	forty := m.Add("BLOCK* ask 10.251.107.227:50010 to delete " + list(40))
	assert.Equal(t, "BLOCK* ask <*> to delete <*>", nine.Template)
	assert.Equal(t, one.ID, nine.ID, "one id and a list are the same variable")
	assert.Equal(t, nine.ID, forty.ID)
	assert.Equal(t, uint64(0), m.Stats().Truncated, "the 40 ids are one token, under MaxTokens")

	sizes := m.Add("Block rdd_2_4 stored as bytes in memory (estimated size 16.0 B, free 317.5 KB)")
	assert.Equal(t, "Block <*> stored as bytes in memory (estimated size <*> B, free <*> KB)", sizes.Template)
	assert.Equal(t, []string{"load", "<*>", "<*>", "<*>", "<*>", "now"}, collapseLists(strings.Fields("load <*> <*> <*> <*> now")))
	assert.Equal(t, []string{"load", "<*>", "now"}, collapseLists(strings.Fields("load <*> <*> <*> <*> <*> now")))
	assert.Equal(t, []string{"<*>"}, collapseLists(strings.Fields("<*> <*> <*> <*> <*> <*>")))
}

func TestAllWildcardTemplatesDoNotSwallowMessages(t *testing.T) {
	m := New(Config{})
	numbers := m.Add("12345|678|0|0")
	keyed := m.Add("totalSteps=42")
	assert.NotEqual(t, numbers.ID, keyed.ID)
	assert.Equal(t, "totalSteps=<*>", keyed.Template)
}

func TestIDsAreTheSameInEveryProcess(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	for _, line := range []string{"disk full on /dev/sda1", "user 42 logged in", "user 7 logged in"} {
		assert.Equal(t, a.Add(line).ID, b.Add(line).ID)
	}
}

func TestBoundedMemory(t *testing.T) {
	m := New(Config{MaxClusters: 10, MaxTokens: 4})
	for i := range 100 {
		m.Add(fmt.Sprintf("event%c%c happened", 'a'+i%26, 'a'+i/26))
	}
	st := m.Stats()
	assert.Equal(t, 10, st.Clusters)
	assert.EqualValues(t, 90, st.Evicted)

	long := m.Add("a b c d e f g h")
	assert.Equal(t, "a b c <*>", long.Template)
	assert.EqualValues(t, 1, m.Stats().Truncated)
}

func TestConcurrentUse(t *testing.T) {
	m := New(Config{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				match := m.Add(fmt.Sprintf("worker %d processed request %d in %dms", w, i, i%50))
				if match.Template != "worker <*> processed request <*> in <*>" {
					t.Errorf("template %q", match.Template)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, m.Stats().Clusters)
}

func TestSnapshotRestoreKeepsIDs(t *testing.T) {
	m := New(Config{})
	first := m.Add("user 42 logged in from 10.0.0.1")
	m.Add("user 7 logged in from 10.0.0.2")
	generalized := m.Add("user admin logged in from 10.0.0.3")
	require.Equal(t, first.ID, generalized.ID)
	data, err := m.Snapshot()
	require.NoError(t, err)

	restarted := New(Config{})
	require.NoError(t, restarted.Restore(data))
	again := restarted.Add("user bob logged in from 10.9.9.9")
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, "user <*> logged in from <*>", again.Template)

	assert.ErrorContains(t, restarted.Restore([]byte(`{"v":"pm0"}`)), "unknown pattern snapshot format")
	assert.Error(t, restarted.Restore([]byte(`not json`)))
}

func TestHexIDsAreVariables(t *testing.T) {
	m := New(Config{})
	first := m.Add("Payment fa15892f64d4 authorized amount=12.50 currency=USD")
	second := m.Add("Payment 77310 authorized amount=3.99 currency=USD")
	assert.Equal(t, first.ID, second.ID)
	assert.Equal(t, "Payment <*> authorized amount=<*> currency=USD", second.Template)
}

// TestSpacesNeverShareAnID: the same template mined in two pattern spaces
// (two tenants) gets two ids; the default space keeps the ids it always had.
func TestSpacesNeverShareAnID(t *testing.T) {
	line := "user 42 logged in from 10.0.0.1"
	defaultID := New(Config{}).Add(line).ID
	a := New(Config{Space: "tenant-a"}).Add(line).ID
	b := New(Config{Space: "tenant-b"}).Add(line).ID
	if a == b || a == defaultID || b == defaultID {
		t.Fatalf("ids shared between spaces: default %s, a %s, b %s", defaultID, a, b)
	}
	if again := New(Config{Space: "tenant-a"}).Add(line).ID; again != a {
		t.Fatalf("space ids not stable: %s then %s", a, again)
	}
}

// Clusters and the tree keep copies of the tokens, never views into the
// message: a message may sit in a buffer shared with a whole request.
func TestClustersDoNotKeepTheMessage(t *testing.T) {
	m := New(Config{})
	buffer := []byte("connect to db-primary failed after retry alpha; connect to db-primary failed after retry beta")
	first := unsafe.String(&buffer[0], 45)
	second := unsafe.String(&buffer[47], 44)
	m.Add(first)
	m.Add(second) // merges: the template generalises
	m.Add(first)  // the shape's second sighting: the shape cache keeps it
	inBuffer := func(s string) bool {
		if s == "" {
			return false
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(&buffer[0]))
		return p >= start && p < start+uintptr(len(buffer))
	}
	var walk func(n *node)
	walk = func(n *node) {
		for key, child := range n.children {
			assert.False(t, inBuffer(key), "tree key %q", key)
			walk(child)
		}
		for _, c := range n.clusters {
			for _, tok := range c.tokens {
				assert.False(t, inBuffer(tok), "cluster token %q", tok)
			}
		}
	}
	require.Len(t, m.byID, 1)
	for _, root := range m.root {
		walk(root)
	}
	var shape []byte
	cached, _, ok := shapes.lookup(first, &shape)
	require.True(t, ok, "the shape seen twice is cached")
	for _, tok := range cached.tokens {
		assert.False(t, inBuffer(tok), "cached token %q", tok)
	}
}

func TestAppendFieldsSplitsAsStringsFields(t *testing.T) {
	prefix := []string{"kept"}
	for _, s := range []string{
		"", "   ", "one", " two  words\t", "a\nb\r\nc\vd\fe",
		"tab\u00a0nbsp", "em\u2003space and more", "ünïcödé words", "trailing ascii then é",
	} {
		got := appendFields(append([]string(nil), prefix...), s)
		assert.Equal(t, append(append([]string(nil), prefix...), strings.Fields(s)...), got, "%q", s)
	}
}

// AppendBatch skips the tree for a message whose tokens an earlier message
// of the batch brought to a cluster that did not change; the result must be
// what mining the messages one by one gives, also while clusters generalise
// and are evicted.
func TestBatchesMineLikeSingleMessages(t *testing.T) {
	g := workload.New(7, time.Unix(1_700_000_000, 0), time.Hour)
	generated := make([]string, 20_000)
	for i := range generated {
		generated[i] = g.Entry(i, len(generated)).Message
	}
	for _, tc := range []struct {
		name        string
		maxClusters int
		messages    []string
	}{
		{"workload", 0, generated},
		{"workload, evicting", 40, generated},
		// The cluster "a 1" joined unchanged is evicted before it repeats.
		{"repeat of an evicted cluster", 2, []string{"a 1", "a 1", "b x", "c y", "a 1"}},
	} {
		single := New(Config{MaxClusters: tc.maxClusters})
		var want []Match
		for _, msg := range tc.messages {
			want = append(want, single.Add(msg))
		}
		for _, batchSize := range []int{1000, 7, 1} {
			batched := New(Config{MaxClusters: tc.maxClusters})
			var got []Match
			for start := 0; start < len(tc.messages); start += batchSize {
				got = batched.AppendBatch(got, tc.messages[start:min(start+batchSize, len(tc.messages))])
			}
			require.Equal(t, want, got, "%s, batches of %d", tc.name, batchSize)
			assert.Equal(t, single.Stats(), batched.Stats(), tc.name)
			wantSnapshot, err := single.Snapshot()
			require.NoError(t, err)
			gotSnapshot, err := batched.Snapshot()
			require.NoError(t, err)
			assert.JSONEq(t, string(wantSnapshot), string(gotSnapshot), "%s: sizes and last use count skipped messages too", tc.name)
		}
	}
}

// A miner remembers, across batches, the cluster a cached shape's tokens
// joined; after Restore that cluster is no longer its own, and the shape
// must find the restored one.
func TestRestoreForgetsRememberedClusters(t *testing.T) {
	messages := []string{"job 1 done", "job 2 done", "job 3 done", "job 4 done"}
	// The same cluster with another id (ids carry the space).
	other := New(Config{Space: "other"})
	restoredID := other.Add("job 5 done").ID
	data, err := other.Snapshot()
	require.NoError(t, err)

	m := New(Config{})
	before := m.AppendBatch(nil, messages)
	require.NotEqual(t, restoredID, before[3].ID)
	require.NoError(t, m.Restore(data))
	after := m.AppendBatch(nil, messages[:1])
	assert.Equal(t, restoredID, after[0].ID)
}

// The shape cache answers with what masking the message itself gives, for
// every message of a realistic workload seen many times over.
func TestShapeCacheGivesTheMaskedTokens(t *testing.T) {
	g := workload.New(7, time.Now(), time.Hour)
	// Three of a shape: the third is the first the cache can answer. Some
	// keep digits in their tokens (SHA256, HTTP/1.1), which the cache must
	// not answer for the others.
	messages := []string{
		"User 3 logged in", "User 6 logged in", "User 9 logged in",
		"SHA256 ok", "SHA384 ok", "SHA512 ok",
		"HTTP/1.1 200 in 3ms", "HTTP/2.0 404 in 7ms", "HTTP/3.0 500 in 1ms",
		"Jul 10 13:17:22 2005 up", "Jul 11 03:07:02 2006 up", "Jul 12 23:47:52 2007 up",
	}
	for i := 0; i < 20000; i++ {
		messages = append(messages, g.Entry(i, 20000).Message)
	}
	m := New(Config{})
	var shape []byte
	hits := 0
	for _, msg := range messages {
		if _, _, ok := shapes.lookup(msg, &shape); ok {
			hits++
		}
		got, gotHash := cachedTokens(m, msg, &shape)
		want, _ := m.appendTokens(nil, msg)
		require.Equal(t, want, got, msg)
		require.Equal(t, hashTokens(want), gotHash, msg)
	}
	// The workload's messages without a hex id repeat their shapes.
	assert.Greater(t, hits, len(messages)/2)
}

// The shape cache is shared by every miner; a miner whose limits cut a
// message must cut it even when another miner cached the message whole.
func TestShapeCacheKeepsEachMinersLimits(t *testing.T) {
	const message = "worker 17 finished job 2291 of batch 88 in queue default after 3 retries"
	whole := New(Config{})
	for range 3 {
		whole.Add(message)
	}
	var shape []byte
	_, _, ok := shapes.lookup(message, &shape)
	require.True(t, ok)

	fewTokens := New(Config{MaxTokens: 4})
	assert.Equal(t, "worker <*> finished <*>", fewTokens.Add(message).Template)
	assert.Equal(t, uint64(1), fewTokens.Stats().Truncated)

	fewBytes := New(Config{MaxMessageBytes: 19})
	assert.Equal(t, "worker <*> finished", fewBytes.Add(message).Template)
	assert.Equal(t, uint64(1), fewBytes.Stats().Truncated)
}
