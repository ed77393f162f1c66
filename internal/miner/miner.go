// Package miner mines log templates online: every message is assigned to a
// cluster of messages with the same template, and the cluster's template
// marks the parts that vary with <*>.
//
// The approach is a fixed-depth parse tree in the spirit of Drain (He et al.,
// ICWS 2017), written for paylog: tokens with digits are masked before
// clustering (at sub-token level, so "uid=0" becomes "uid=<*>"; absolute
// paths too); messages are routed by token count and their first constant
// tokens; within a leaf the most similar cluster takes the message when
// enough of its constant words agree (by default more than half) and no two
// differ as upper-case or state words do (HTTPS/SOCKS5, true/false), and the
// positions that disagree become wildcards. A cluster keeps
// its id when its template generalises. Memory is bounded: at most
// MaxClusters clusters (the least recently matched is evicted), MaxTokens
// tokens and MaxMessageBytes bytes per message. Messages whose shape (digits
// read as 0, hex ids and UUIDs as one mark) was seen skip masking through a
// cache all miners share, of at most 4096 entries of up to 512 bytes and 64
// tokens (shapes.go).
//
// A Miner is safe for concurrent use.
package miner

import (
	"hash/fnv"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Config tunes a Miner; the zero value of a field means its default.
type Config struct {
	// Similarity is the share of a cluster's constant words (tokens with a
	// letter; masked structure such as "<*>]" does not count) a message
	// must match to join it. Default 0.55: half is not enough ("Command has
	// been aborted" and "Command has completed successfully" are two events).
	Similarity float64
	// Depth is how many leading tokens route a message in the tree. Default 2.
	Depth int
	// MaxClusters bounds memory; the least recently matched cluster is
	// evicted beyond it. Default 20000.
	MaxClusters int
	// MaxTokens bounds the tokens of one message; the rest is one wildcard.
	// Default 128.
	MaxTokens int
	// MaxMessageBytes bounds the part of a message that is mined. Default 4096.
	MaxMessageBytes int
	// Space names the pattern space the miner serves (a tenant, a service);
	// it is part of every id, so that two spaces never share one. Default
	// empty.
	Space string
}

// DefaultConfig returns the settings a zero Config takes: the patterns
// processor and paylog-patterns start from it.
func DefaultConfig() Config { return Config{}.withDefaults() }

func (c Config) withDefaults() Config {
	if c.Similarity <= 0 {
		c.Similarity = 0.55
	}
	if c.Depth <= 0 {
		c.Depth = 2
	}
	if c.MaxClusters <= 0 {
		c.MaxClusters = 20000
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = 128
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 4096
	}
	return c
}

// Match is the cluster a message joined.
type Match struct {
	ID       string
	Template string
}

// Stats counts what the miner did.
type Stats struct {
	Clusters int
	Evicted  uint64
	// Truncated counts messages mined only in part (MaxMessageBytes, MaxTokens).
	Truncated uint64
}

type cluster struct {
	id       string
	tokens   []string
	template string // cached join of tokens
	size     uint64
	lastUsed uint64
}

type node struct {
	children map[string]*node
	clusters []*cluster
}

// Miner is an online template miner.
type Miner struct {
	cfg Config

	mu      sync.Mutex
	root    map[int]*node
	byID    map[string]*cluster
	tick    uint64
	evicted uint64
	// version advances whenever a cluster is made, evicted or generalised:
	// while it stands, the same tokens find the same cluster.
	version   uint64
	truncated atomic.Uint64

	// Reused under mu by candidateLeaves and clustersOf: matching a
	// message allocates nothing.
	leaves, nextLeaves []*node
	candidates         []*cluster

	// remembered holds, by shape cache entry, the cluster that entry's
	// tokens joined without changing it, and the version then: a later
	// message of that shape, in any batch, takes the cluster while the
	// version stands (as AppendBatch's absorbed tokens do within a batch,
	// without hashing the tokens). Made at the first batch.
	remembered *[rememberedSlots]rememberedCluster
}

// rememberedSlots bounds Miner.remembered (24 KB): one entry per slot, the
// newest wins.
const rememberedSlots = 1024

type rememberedCluster struct {
	entry   *shapeEntry
	cluster *cluster
	version uint64
}

// New returns a Miner with cfg (zero fields take defaults).
func New(cfg Config) *Miner {
	return &Miner{cfg: cfg.withDefaults(), root: map[int]*node{}, byID: map[string]*cluster{}}
}

// Add mines one message and returns its cluster.
func (m *Miner) Add(message string) Match {
	shape := shapeBuffers.Get().(*[]byte)
	dst, _, entry := m.tokensOf(make([]string, 0, 16), message, shape)
	shapeBuffers.Put(shape)
	tokens := tokenBounds{end: len(dst), entry: entry}.of(dst)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addLocked(tokens)
}

// AddBatch mines messages in order and returns their clusters. It
// tokenizes outside the lock and takes the lock once, so concurrent callers
// (receivers calling from every request) do not hand the lock over per message.
func (m *Miner) AddBatch(messages []string) []Match {
	return m.AppendBatch(make([]Match, 0, len(messages)), messages)
}

// AppendBatch is AddBatch appending the matches to dst, for callers that
// reuse one slice across batches.
func (m *Miner) AppendBatch(dst []Match, messages []string) []Match {
	// One backing array, reused, for the tokens of the whole batch:
	// clusters copy the tokens they keep.
	buf := tokenBuffers.Get().(*tokenBuffer)
	all, tokenized := buf.tokens[:0], buf.messages[:0]
	for _, msg := range messages {
		start := len(all)
		var (
			hash  uint64
			entry *shapeEntry
		)
		all, hash, entry = m.tokensOf(all, msg, &buf.shape)
		tokenized = append(tokenized, tokenBounds{start, len(all), hash, entry})
	}
	clear(buf.absorbed)
	m.mu.Lock()
	if m.remembered == nil {
		m.remembered = new([rememberedSlots]rememberedCluster)
	}
	for _, b := range tokenized {
		tokens := b.of(all)
		// Most messages repeat an earlier one's tokens. A repeat of tokens
		// that changed nothing when added, with nothing changed since,
		// would take the same path to the same cluster again.
		var slot *rememberedCluster
		if b.entry != nil {
			slot = &m.remembered[b.entry.hash%rememberedSlots]
			if slot.entry == b.entry && slot.version == m.version {
				dst = append(dst, m.matched(slot.cluster))
				continue
			}
		} else if a, ok := buf.absorbed[b.hash]; ok && a.version == m.version && a.sameTokens(b, all) {
			dst = append(dst, m.matched(a.cluster))
			continue
		}
		version := m.version
		c := m.clusterFor(tokens)
		if m.version == version {
			if slot != nil {
				*slot = rememberedCluster{entry: b.entry, cluster: c, version: version}
			} else {
				buf.absorbed[b.hash] = absorbedTokens{tokenBounds: b, cluster: c, version: version}
			}
		}
		dst = append(dst, m.matched(c))
	}
	m.mu.Unlock()
	clear(all) // drop the references to the messages
	buf.tokens, buf.messages = all, tokenized
	tokenBuffers.Put(buf)
	return dst
}

// tokenBounds locate one message's tokens: the shape cache's entry when it
// answered (its tokens are not copied), else a range of the batch's tokens.
type tokenBounds struct {
	start, end int
	hash       uint64
	entry      *shapeEntry
}

func (b tokenBounds) of(all []string) []string {
	if b.entry != nil {
		return b.entry.tokens
	}
	return all[b.start:b.end:b.end]
}

// sameTokens reports whether b's tokens are a's.
func (a absorbedTokens) sameTokens(b tokenBounds, all []string) bool {
	return slices.Equal(a.of(all), b.of(all))
}

// absorbedTokens are tokens the shape cache did not answer for (see
// Miner.remembered for those it did) that a cluster took without changing,
// at the miner's version then.
type absorbedTokens struct {
	tokenBounds
	cluster *cluster
	version uint64
}

type tokenBuffer struct {
	tokens   []string
	messages []tokenBounds
	absorbed map[uint64]absorbedTokens
	shape    []byte
}

var tokenBuffers = sync.Pool{New: func() any {
	return &tokenBuffer{absorbed: map[uint64]absorbedTokens{}}
}}

// tokenSeed seeds the hashes of token sequences.
var tokenSeed = maphash.MakeSeed()

// hashTokens hashes a token sequence: one hash per token, mixed in order.
func hashTokens(tokens []string) uint64 {
	h := uint64(len(tokens))
	for _, t := range tokens {
		h = (h ^ maphash.String(tokenSeed, t)) * 0x100000001b3
	}
	return h
}

func (m *Miner) addLocked(tokens []string) Match {
	return m.matched(m.clusterFor(tokens))
}

// clusterFor returns the cluster tokens join, merged with them, or a new
// one; it advances the miner's version when the tree or a template changes.
func (m *Miner) clusterFor(tokens []string) *cluster {
	c := m.bestOf(m.candidateLeaves(tokens), tokens)
	if c == nil {
		m.version++
		return m.newCluster(m.leaf(tokens), tokens)
	}
	if c.merge(tokens) {
		m.version++
	}
	return c
}

// matched counts a message for c.
func (m *Miner) matched(c *cluster) Match {
	m.tick++
	c.size++
	c.lastUsed = m.tick
	return Match{ID: c.id, Template: c.template}
}

// Template returns the current template of cluster id.
func (m *Miner) Template(id string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[id]
	if !ok {
		return "", false
	}
	return c.template, true
}

// Stats returns counters.
func (m *Miner) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Stats{Clusters: len(m.byID), Evicted: m.evicted, Truncated: m.truncated.Load()}
}

// tokensOf returns the masked tokens of message and their hash. When the
// message's shape is cached and this miner's limits would not cut it, the
// tokens are the cache entry's (returned, dst unchanged); else they are
// appended to dst (and entry is nil). shape is scratch space.
func (m *Miner) tokensOf(dst []string, message string, shape *[]byte) (_ []string, hash uint64, entry *shapeEntry) {
	*shape = (*shape)[:0]
	var (
		shapeHash, foldedHash uint64
		folded                []byte
	)
	if len(message) <= m.cfg.MaxMessageBytes {
		// Entries hold uncut messages only, so the entry has as many tokens
		// as the message has fields: more than MaxTokens means this miner
		// cuts it.
		e, eHash, ok := shapes.lookup(message, shape)
		if ok && len(e.tokens) <= m.cfg.MaxTokens {
			return dst, e.tokensHash, e
		}
		shapeHash = eHash
		plain := len(*shape)
		e, foldedShape, fHash, isFolded, ok := shapes.lookupFolded(message, shape)
		if ok && len(e.tokens) <= m.cfg.MaxTokens {
			return dst, e.tokensHash, e
		}
		*shape = (*shape)[:plain]
		if isFolded {
			folded, foldedHash = foldedShape, fHash
		}
	}
	start := len(dst)
	dst, cut := m.appendTokens(dst, message)
	hash = hashTokens(dst[start:])
	switch {
	case cut:
	case folded != nil:
		// The folded entry answers for the plain shape too; a plain entry
		// would only take a seen slot from shapes that repeat.
		shapes.store(folded, foldedHash, true, dst[start:], hash)
	default:
		shapes.store(*shape, shapeHash, false, dst[start:], hash)
	}
	return dst, hash, nil
}

// appendTokens appends the masked tokens of message to dst; cut reports a
// message mined only in part (MaxMessageBytes, MaxTokens).
func (m *Miner) appendTokens(dst []string, message string) (tokens []string, cut bool) {
	if len(message) > m.cfg.MaxMessageBytes {
		n := m.cfg.MaxMessageBytes
		for n > 0 && !utf8.RuneStart(message[n]) {
			n--
		}
		message, cut = message[:n], true
	}
	start := len(dst)
	dst = appendFields(dst, message)
	// The collapses shorten the message's tokens in place.
	fields := collapseMeasures(collapseDates(dst[start:]))
	if strings.Contains(message, `="`) {
		fields = collapseQuotedValues(fields)
	}
	for i, f := range fields {
		fields[i] = maskToken(f)
	}
	// Lists are collapsed before the token limit applies, so that a long
	// list does not cut the message.
	fields = collapseLists(fields)
	if len(fields) > m.cfg.MaxTokens {
		fields = append(fields[:m.cfg.MaxTokens-1], Wildcard)
		cut = true
	}
	if cut {
		m.truncated.Add(1)
	}
	return dst[:start+len(fields)], cut
}

// asciiSpace marks the bytes strings.Fields splits ASCII text at.
var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// appendFields appends the fields of s, split as strings.Fields splits
// them, to dst without allocating a slice per message.
func appendFields(dst []string, s string) []string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(dst, strings.Fields(s)...)
		}
	}
	for i := 0; i < len(s); {
		for i < len(s) && asciiSpace[s[i]] {
			i++
		}
		start := i
		for i < len(s) && !asciiSpace[s[i]] {
			i++
		}
		if i > start {
			dst = append(dst, s[start:i])
		}
	}
	return dst
}

// leaf walks (and grows) the tree: token count, then up to Depth leading
// tokens; a masked token routes as a wildcard.
func (m *Miner) leaf(tokens []string) *node {
	n, ok := m.root[len(tokens)]
	if !ok {
		n = &node{}
		m.root[len(tokens)] = n
	}
	for i := 0; i < m.cfg.Depth && i < len(tokens); i++ {
		key := routeKey(tokens[i])
		if n.children == nil {
			n.children = map[string]*node{}
		}
		child, ok := n.children[key]
		if !ok {
			child = &node{}
			n.children[strings.Clone(key)] = child
		}
		n = child
	}
	return n
}

// candidateLeaves returns the existing leaves a message may belong to: the
// one its tokens route to, then those where a routing token is already a
// wildcard (a word that varies, such as a user name, is not masked, so its
// cluster sits under <*> once it has generalised).
func (m *Miner) candidateLeaves(tokens []string) []*node {
	root, ok := m.root[len(tokens)]
	if !ok {
		return nil
	}
	leaves, next := append(m.leaves[:0], root), m.nextLeaves
	for i := 0; i < m.cfg.Depth && i < len(tokens); i++ {
		key := routeKey(tokens[i])
		next = next[:0]
		for _, n := range leaves {
			if child := n.children[key]; child != nil {
				next = append(next, child)
			}
			if key != Wildcard {
				if child := n.children[Wildcard]; child != nil {
					next = append(next, child)
				}
			}
		}
		leaves, next = next, leaves
	}
	m.leaves, m.nextLeaves = leaves, next
	return leaves
}

func routeKey(token string) string {
	// Masked tokens route by their shape ("uid=<*>"); a bare variable
	// ("<*>", "<*>,") routes to the wildcard child.
	if !hasLetter(token) {
		return Wildcard
	}
	return token
}

// differingWordRun is how many positions in a row with different words make
// a message another event than a cluster, however many words around them
// agree: "Could not resolve <host>" against "connection attempt failed with"
// (Proxifier). Measured on the dev set: 3 took average GA from 0.9719 to
// 0.9757 and FGA from 0.9109 to 0.9400, changing only BGL and Proxifier; 2
// cost GA (0.9554), 4 gained less (0.9755, 0.9377).
const differingWordRun = 3

// bestOf returns the most similar cluster in leaves, or nil when none is similar enough.
func (m *Miner) bestOf(leaves []*node, tokens []string) *cluster {
	var (
		best      *cluster
		bestSim   = -1.0
		bestWilds = -1
	)
	for _, c := range m.clustersOf(leaves) {
		same, wilds := 0, 0
		clash := false
		// Tokens without a letter ("<*>]", "<*>,", "-") are structure: two
		// messages sharing an id's brackets are not alike for it.
		structural := 0
		// wordRun counts the positions in a row where the two have different words.
		wordRun := 0
		for i, t := range c.tokens {
			token := tokens[i]
			switch {
			case t == Wildcard:
				wilds++
				wordRun = 0
				continue
			case t == token:
				if hasLetter(t) {
					same++
				} else {
					structural++
				}
				wordRun = 0
				continue
			case enumsDiffer(t, token) || shapesDiffer(t, token):
				clash = true
			case !hasLetter(t):
				structural++
				wordRun = 0
				continue
			case differentWords(t, token):
				wordRun++
				clash = wordRun >= differingWordRun
			default:
				wordRun = 0
				continue
			}
			if clash {
				break
			}
		}
		if clash {
			// Two upper-case words in one place (HTTPS and SOCKS5, LOOKING
			// and FOLLOWING), two differently shaped masked tokens
			// ("(uid=<*>)" and "LOGIN(uid=<*>)"), or a different phrase
			// (differingWordRun) name different events.
			continue
		}
		constant := len(c.tokens) - wilds - structural
		sim := 1.0
		if constant > 0 {
			sim = float64(same) / float64(constant)
		} else if !allWildcards(tokens) {
			// A template of nothing but variables would swallow any message of its length.
			continue
		}
		if sim > bestSim || sim == bestSim && wilds > bestWilds {
			best, bestSim, bestWilds = c, sim, wilds
		}
	}
	if best == nil || bestSim < m.cfg.Similarity {
		return nil
	}
	return best
}

func (m *Miner) newCluster(leaf *node, tokens []string) *cluster {
	if len(m.byID) >= m.cfg.MaxClusters {
		m.evictLRU()
	}
	// Copies of the tokens, not views into the message: the message may sit
	// in a buffer shared with other strings (logapi copies a request's
	// strings into shared chunks), which a view would keep alive.
	c := &cluster{tokens: make([]string, len(tokens))}
	for i, t := range tokens {
		c.tokens[i] = strings.Clone(t)
	}
	c.template = strings.Join(c.tokens, " ")
	c.id = m.uniqueID(c.template)
	leaf.clusters = append(leaf.clusters, c)
	m.byID[c.id] = c
	return c
}

// uniqueID derives a cluster id from its first template, so that the same
// template gets the same id in every process.
func (m *Miner) uniqueID(template string) string {
	h := fnv.New64a()
	if m.cfg.Space != "" {
		_, _ = h.Write([]byte(m.cfg.Space))
		_, _ = h.Write([]byte{0})
	}
	_, _ = h.Write([]byte(template))
	sum := h.Sum64()
	for {
		id := "p" + strconv.FormatUint(sum, 36)
		if _, taken := m.byID[id]; !taken {
			return id
		}
		sum++
	}
}

// merge generalises c to cover tokens and reports whether it changed.
func (c *cluster) merge(tokens []string) bool {
	changed := false
	for i, t := range c.tokens {
		if t == tokens[i] || t == Wildcard {
			continue
		}
		if g := generalize(t, tokens[i]); g != t {
			c.tokens[i] = strings.Clone(g)
			changed = true
		}
	}
	if changed {
		c.template = strings.Join(c.tokens, " ")
	}
	return changed
}

// evictLRU removes the least recently matched cluster (linear scan: eviction
// is rare, the table is bounded).
func (m *Miner) evictLRU() {
	var oldest *cluster
	for _, c := range m.byID {
		if oldest == nil || c.lastUsed < oldest.lastUsed {
			oldest = c
		}
	}
	if oldest == nil {
		return
	}
	delete(m.byID, oldest.id)
	m.evicted++
	m.removeFromTree(oldest)
}

func (m *Miner) removeFromTree(c *cluster) {
	var walk func(n *node) bool
	walk = func(n *node) bool {
		for i, x := range n.clusters {
			if x == c {
				n.clusters = append(n.clusters[:i], n.clusters[i+1:]...)
				return true
			}
		}
		for _, child := range n.children {
			if walk(child) {
				return true
			}
		}
		return false
	}
	if n, ok := m.root[len(c.tokens)]; ok {
		walk(n)
	}
}

// isEnumWord reports upper-case words such as states and protocols (HTTPS,
// SOCKS5, LOOKING, TIME_WAIT): constants that tell events apart.
func isEnumWord(s string) bool {
	letters := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			letters++
		case c >= '0' && c <= '9' || c == '_' || c == '-':
		default:
			return false
		}
	}
	return letters >= 2
}

// enumsDiffer reports two different upper-case words, alone or as the last
// part of the same dotted name (android.intent.action.SCREEN_ON and _OFF).
func enumsDiffer(a, b string) bool {
	if statesDiffer(a, b) {
		return true
	}
	ia, ib := strings.LastIndexByte(a, '.'), strings.LastIndexByte(b, '.')
	if a[:max(ia, 0)] != b[:max(ib, 0)] {
		return false
	}
	return isEnumWord(a[ia+1:]) && isEnumWord(b[ib+1:])
}

// statesDiffer reports two different state words (true and false, on and
// off, begin and end, …), alone or as the value of the same key
// (visible=true, overlap:false): states tell events apart, as upper-case
// words do.
func statesDiffer(a, b string) bool {
	keyA, va := splitState(a)
	if !isStateWord(va) {
		return false
	}
	keyB, vb := splitState(b)
	return keyA == keyB && isStateWord(vb) && !strings.EqualFold(va, vb)
}

// stateTrailing is punctuation after a state word: "end.", "true,".
var stateTrailing = newByteSet(`,;.)]}>'"`)

// splitState splits key=value and key:value at the last separator, and
// drops trailing punctuation from the value.
func splitState(s string) (key, value string) {
	i := len(s) - 1
	for i >= 0 && s[i] != '=' && s[i] != ':' {
		i--
	}
	key, value = s[:i+1], s[i+1:]
	for len(value) > 0 && stateTrailing[value[len(value)-1]] {
		value = value[:len(value)-1]
	}
	return key, value
}

// stateWords are the two sides of states that name different events.
var stateWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "up": true, "down": true,
	"enabled": true, "disabled": true, "begin": true, "end": true, "start": true, "stop": true,
	"started": true, "stopped": true, "open": true, "opened": true, "closed": true,
	"success": true, "failure": true, "succeeded": true, "failed": true,
}

func isStateWord(s string) bool {
	var lower [9]byte
	if len(s) > len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		lower[i] = s[i] | 0x20 // letters only matter: others miss the map anyway
	}
	return stateWords[string(lower[:len(s)])]
}

func allWildcards(tokens []string) bool {
	for _, t := range tokens {
		if hasLetter(t) {
			return false
		}
	}
	return true
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// differentWords reports, for a template word t and a different message
// token, whether the token is another word, not another value of t's key
// (user=alice, user=bob).
func differentWords(t, token string) bool {
	if !hasLetter(token) {
		return false
	}
	i := strings.IndexByte(t, '=')
	return i <= 0 || !strings.HasPrefix(token, t[:i+1])
}

// shapesDiffer reports two masked tokens whose constant parts differ.
func shapesDiffer(a, b string) bool {
	return strings.Contains(a, Wildcard) && strings.Contains(b, Wildcard) && hasLetter(a) && hasLetter(b)
}

// generalize returns the token that covers a and b: the parts they share
// around the difference stay when they are structure — a key ("rhost=<*>"),
// brackets or quotes ("(<*>)"), trailing punctuation ("<*>,") — and the rest
// becomes one wildcard.
func generalize(a, b string) string {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	// Keep the shared prefix only up to its last opening or key separator.
	for p > 0 && strings.IndexByte("=:([{<'\"", a[p-1]) < 0 {
		p--
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	// Keep the shared suffix only from its first closing bracket or punctuation.
	for s > 0 && strings.IndexByte(")]}>'\",;:.", a[len(a)-s]) < 0 {
		s--
	}
	prefix, suffix := a[:p], a[len(a)-s:]
	if strings.HasSuffix(prefix, Wildcard[:1]) && strings.HasPrefix(suffix, ">") {
		// Do not split an existing wildcard's brackets.
		return Wildcard
	}
	return prefix + Wildcard + suffix
}

func (m *Miner) clustersOf(leaves []*node) []*cluster {
	if len(leaves) == 1 {
		return leaves[0].clusters
	}
	all := m.candidates[:0]
	for _, n := range leaves {
		all = append(all, n.clusters...)
	}
	m.candidates = all
	return all
}
