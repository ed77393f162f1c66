package miner

import "strings"

// Wildcard marks a variable part of a template.
const Wildcard = "<*>"

// maskToken replaces the variable parts of one whitespace-separated token by
// the wildcard. Variables are recognised by digits: numbers, hex, ids with a
// numeric part (blk_-123, task_1445_0020_m_000007), IPs and ports, versions;
// URLs and hardware addresses with a digit are one variable each. The
// token's structure around them is kept: "uid=0" → "uid=<*>",
// "[DFSClient_1537864556_1]" → "[<*>]", "core.114" → "core.<*>", "41," → "<*>,",
// "1,app" → "<*>,app", "instruction......0" → "instruction......<*>".
// Tokens without digits are returned as they are, but for absolute paths
// (/var/www/html/ → <*>); the clustering finds the variables among them.
func maskToken(tok string) string {
	if !hasDigit(tok) {
		if start, end := trimPunct(tok, &tokenTrailing); start < end && tok[start] == '/' && isPath(tok[start:end]) {
			return tok[:start] + Wildcard + tok[end:]
		}
		return tok
	}
	// Keep surrounding punctuation: brackets, quotes, trailing separators.
	start, end := trimPunct(tok, &tokenTrailing)
	core := tok[start:end]
	if !hasDigit(core) || isNamedWord(core) || isIdentifier(core) || isProtocol(core) {
		return tok
	}
	return tok[:start] + maskCore(core) + tok[end:]
}

// isNamedWord reports words that end in a short number but name a thing
// rather than vary: SOCKS5, IPv4, SHA256, x509, ext4. If one does vary, the
// clustering still finds it.
func isNamedWord(s string) bool {
	i := 0
	for i < len(s) && (s[i]|0x20 >= 'a' && s[i]|0x20 <= 'z') {
		i++
	}
	digits := len(s) - i
	return i >= 1 && digits >= 1 && digits <= 3 && isDigits(s[i:]) && i+digits == len(s) && i >= digits
}

// maskCore masks a token without its surrounding punctuation.
func maskCore(core string) string {
	// A hardware address is one variable, not a key "FF" with a value.
	if isMAC(core) {
		return Wildcard
	}
	// A URL is one variable from its scheme on: "hdfs://host:9000/a" → "<*>",
	// not a key "hdfs" with a value. What precedes the scheme stays:
	// ":[akka.tcp://sys@10.0.0.1:80" → ":[<*>".
	if start := urlStart(core); start >= 0 {
		return core[:start] + Wildcard
	}
	// Values joined by ',' are masked one by one: "1,app" → "<*>,app",
	// "type=5,1,old=3" → "type=<*>,<*>,old=<*>".
	if i := strings.IndexByte(core, ','); i > 0 && i < len(core)-1 {
		return maskJoined(core)
	}
	// name(args and name[index keep the name: "LOGIN(uid=0" → "LOGIN(uid=<*>".
	if i := indexOpening(core); i > 0 && isKey(core[:i]) {
		return core[:i+1] + maskValue(core[i+1:])
	}
	// key=value and key:value with an alphabetic key keep the key; before
	// '=' a name may have digits (PSR0=, r24=), before ':' it would be a
	// host and port (node1:8080). A dotted name before ':' is a host
	// (proxy.example.com:5070), masked whole.
	if i := strings.IndexByte(core, '='); i > 0 && i < len(core)-1 && (isKey(core[:i]) || isName(core[:i])) {
		return core[:i+1] + maskValue(core[i+1:])
	}
	if i := strings.IndexByte(core, ':'); i > 0 && i < len(core)-1 && isKey(core[:i]) && !strings.Contains(core[:i], ".") {
		return core[:i+1] + maskValue(core[i+1:])
	}
	// A dot leader joins a name to its value: "instruction......0" keeps
	// "instruction......" as a key keeps its name; a leader that starts the
	// token ("field .............0") stays too.
	if i := strings.Index(core, ".."); i >= 0 && (i == 0 || isName(core[:i])) {
		end := i
		for end < len(core) && core[end] == '.' {
			end++
		}
		if end < len(core) {
			return core[:end] + maskValue(core[end:])
		}
	}
	// word.N, word-N and word#N keep the word: "core.114", "touch.0",
	// "node-82", "CPU#0".
	if i := lastSeparator(core); i > 0 && isLetters(core[:i]) && isDigits(core[i+1:]) {
		return core[:i+1] + Wildcard
	}
	return Wildcard
}

// maskJoined masks each ','-separated part of s that has a digit.
func maskJoined(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		part, rest, found := strings.Cut(s, ",")
		if hasDigit(part) {
			part = maskCore(part)
		}
		b.WriteString(part)
		if !found {
			return b.String()
		}
		b.WriteByte(',')
		s = rest
	}
}

// isMAC reports a MAC address or a longer hardware id: six or more pairs of
// hex digits joined by ':' or '-' (00:1A:2B:3C:4D:5E, BGL's 12-pair chip ids).
func isMAC(s string) bool {
	if len(s) < 17 || len(s)%3 != 2 || s[2] != ':' && s[2] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i%3 == 2 {
			if c != s[2] {
				return false
			}
		} else if !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f') {
			return false
		}
	}
	return true
}

// isName reports a name that may have digits, as before a dot leader or
// '=': a letter, then letters, digits, - or _ ("i-fetch", "L3", "PSR0").
func isName(s string) bool {
	if s == "" || s[0]|0x20 < 'a' || s[0]|0x20 > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// urlStart returns where the URL in s starts (its scheme: a letter, then
// letters, digits, + - or ., before "://"), or -1.
func urlStart(s string) int {
	sep := strings.Index(s, "://")
	start := sep
	for start > 0 {
		c := s[start-1]
		if !(c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			break
		}
		start--
	}
	for start < sep && !(s[start]|0x20 >= 'a' && s[start]|0x20 <= 'z') {
		start++
	}
	if start >= sep || sep+3 == len(s) {
		return -1
	}
	return start
}

// maskValue masks the value of key=value: values can nest (headroom=<memory:0,).
func maskValue(v string) string {
	if !hasDigit(v) {
		return v
	}
	start, end := trimPunct(v, &valueTrailing)
	if start == end || !hasDigit(v[start:end]) {
		return v
	}
	return v[:start] + maskCore(v[start:end]) + v[end:]
}

// byteSet marks the bytes of a set: a lookup per byte where strings.IndexByte
// on the set took a tenth of the miner's time.
type byteSet [256]bool

func newByteSet(chars string) (set byteSet) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
}

var (
	// leadingPunct (brackets, quotes and the @ of an address) is trimmed
	// from the start of a token or value, tokenTrailing and valueTrailing
	// from their ends: a value keeps ':' and '.' at its end, which may be
	// part of it.
	leadingPunct  = newByteSet(`([{<'"@#`)
	tokenTrailing = newByteSet(`,;:()]}>'".`)
	valueTrailing = newByteSet(`,;)]}>'"`)
)

// trimPunct returns the bounds of s without its leading opening brackets and
// quotes and without trailing characters from trailing.
func trimPunct(s string, trailing *byteSet) (start, end int) {
	start, end = 0, len(s)
	for start < end && leadingPunct[s[start]] {
		start++
	}
	for end > start && trailing[s[end-1]] {
		end--
	}
	return start, end
}

// lastSeparator is the index of the last '.', '-' or '#' in s (what joins
// a name to its number), or -1.
func lastSeparator(s string) int {
	i := len(s) - 1
	for i >= 0 && s[i] != '.' && s[i] != '-' && s[i] != '#' {
		i--
	}
	return i
}

// indexOpening is the index of the first '(' or '[' in s, or -1.
func indexOpening(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '(' || s[i] == '[' {
			return i
		}
	}
	return -1
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isLetters(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// isKey reports whether s reads as a field name: letters, digits-free, with
// _ - . allowed inside.
func isKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_' || c == '-' || c == '.' || c == '<') {
			return false
		}
	}
	return true
}

var (
	weekdays = map[string]bool{"Mon": true, "Tue": true, "Wed": true, "Thu": true, "Fri": true, "Sat": true, "Sun": true}
	months   = map[string]bool{"Jan": true, "Feb": true, "Mar": true, "Apr": true, "May": true, "Jun": true,
		"Jul": true, "Aug": true, "Sep": true, "Oct": true, "Nov": true, "Dec": true}
)

// collapseDates replaces a written-out date — [Weekday] Month Day hh:mm:ss
// [[Zone] Year] — by one wildcard, so that it is one variable however it is
// spelt.
func collapseDates(tokens []string) []string {
	for i := 0; i+2 < len(tokens); i++ {
		if len(tokens[i]) != 3 || !months[tokens[i]] || !isDigits(tokens[i+1]) || len(tokens[i+1]) > 2 || !isClock(tokens[i+2]) {
			continue
		}
		start, end := i, i+3
		if start > 0 && weekdays[tokens[start-1]] {
			start--
		}
		if end+1 < len(tokens) && isZone(tokens[end]) && isYear(tokens[end+1]) {
			end++ // "08:16:53 PDT 2005"
		}
		if end < len(tokens) && isYear(tokens[end]) {
			end++
		}
		tokens[start] = Wildcard
		tokens = append(tokens[:start+1], tokens[end:]...)
		i = start
	}
	return tokens
}

func isYear(s string) bool { return len(s) == 4 && isDigits(s) }

// isZone reports a time zone's abbreviation: UTC, PDT, CEST.
func isZone(s string) bool {
	if len(s) < 2 || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isClock reports hh:mm:ss (with optional fractions).
func isClock(s string) bool {
	return len(s) >= 8 && s[2] == ':' && s[5] == ':' && isDigits(s[:2]) && isDigits(s[3:5]) && isDigits(s[6:8])
}

var units = map[string]bool{"B": true, "KB": true, "MB": true, "GB": true, "TB": true, "KiB": true, "MiB": true,
	"GiB": true, "bytes": true, "sec": true, "secs": true, "s": true, "ms": true}

// minListLength is how many variables in a row make a list.
const minListLength = 5

// collapseLists makes a run of minListLength or more masked tokens one
// variable: such a run is a list of values (HDFS's "ask 10.0.0.1:50010 to
// delete blk_1 blk_2 …"), whose length varies from message to message and
// would otherwise make a pattern per length. Shorter runs stay, as the
// variables of a template usually do ("size <*> <*>", "<*> <*> <*>").
func collapseLists(tokens []string) []string {
	out := tokens[:0]
	for i := 0; i < len(tokens); {
		run := 0
		for i+run < len(tokens) && tokens[i+run] == Wildcard {
			run++
		}
		if run >= minListLength {
			out = append(out, Wildcard)
			i += run
			continue
		}
		n := max(run, 1) // a short run, or one token that is not a variable
		out = append(out, tokens[i:i+n]...)
		i += n
	}
	return out
}

// collapseMeasures makes a measure one variable however it is written: a
// parenthesised restatement of the measure before it — "403 bytes (0.39 KB)
// sent" — is dropped, and a bound such as "<1 sec" becomes one wildcard.
func collapseMeasures(tokens []string) []string {
	for i := 0; i+1 < len(tokens); i++ {
		t, next := tokens[i], tokens[i+1]
		switch {
		case len(t) > 1 && t[0] == '(' && isNumber(t[1:]) && strings.Contains(next, ")") && units[next[:strings.IndexByte(next, ')')]]:
			// "(0.39 KB)," is dropped; what follows ')' stays on the token before.
			if rest := next[strings.IndexByte(next, ')')+1:]; rest != "" && i > 0 {
				tokens[i-1] += rest
			}
			tokens = append(tokens[:i], tokens[i+2:]...)
			i--
		case len(t) > 1 && (t[0] == '<' || t[0] == '>') && isNumber(t[1:]) && units[next]:
			tokens[i] = Wildcard
			tokens = append(tokens[:i+1], tokens[i+2:]...)
		}
	}
	return tokens
}

// collapseQuotedValues makes the quoted value of a key one variable however
// many words it has: tag="View Lock", → tag="<*>",. A value left open to the
// end of the message is left as it is.
func collapseQuotedValues(tokens []string) []string {
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		eq := strings.Index(t, `="`)
		if eq <= 0 || !isKey(t[:eq]) {
			continue
		}
		end, suffix := i, ""
		if closing := strings.IndexByte(t[eq+2:], '"'); closing >= 0 {
			suffix = t[eq+2+closing+1:]
		} else {
			for end = i + 1; end < len(tokens); end++ {
				if closing := strings.IndexByte(tokens[end], '"'); closing >= 0 {
					suffix = tokens[end][closing+1:]
					break
				}
			}
			if end == len(tokens) {
				continue
			}
		}
		tokens[i] = t[:eq+2] + Wildcard + `"` + suffix
		tokens = append(tokens[:i+1], tokens[end+1:]...)
	}
	return tokens
}

// isNumber reports a decimal number such as 12, 0.39 or -3.
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	digits := 0
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			digits++
		case s[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// isIdentifier reports names whose digits sit inside words — jk2_init,
// BIOS-e820, mod_log4j — rather than values: no part between _ - . separators
// starts with a digit. rdd_2_4, blk_-123 and core.114 have parts that do.
func isIdentifier(s string) bool {
	if isHexID(s) {
		return false
	}
	partStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if partStart {
				return false
			}
		case c|0x20 >= 'a' && c|0x20 <= 'z':
		case c == '_' || c == '-' || c == '.':
			partStart = true
			continue
		default:
			return false
		}
		partStart = false
	}
	return true
}

// isProtocol reports a protocol and its version: HTTP/1.1, SSH-2.0, TLSv1.2.
func isProtocol(s string) bool {
	i := 0
	for i < len(s) && (s[i]|0x20 >= 'a' && s[i]|0x20 <= 'z') {
		i++
	}
	if i < 2 || i == len(s) {
		return false
	}
	dashed := s[i] == '-'
	if s[i] == '/' || dashed {
		i++
	}
	version := s[i:]
	if dashed && strings.IndexByte(version, '.') < 0 {
		// SSH-2.0 is a protocol; node-82 and worker-3 are numbered things.
		return false
	}
	return version != "" && len(version) <= 4 && version[0] >= '0' && version[0] <= '9' && isNumber(version)
}

// isHexID reports hex strings long enough to be ids or hashes (fa15892f64d4).
func isHexID(s string) bool {
	if len(s) < 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// isPath reports absolute paths of two or more parts: /var/www/html/.
func isPath(s string) bool {
	return len(s) > 2 && s[0] == '/' && strings.Count(s, "/") >= 2
}
