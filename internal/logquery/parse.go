package logquery

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits that keep a hostile search string from costing more than a normal one.
const (
	MaxExpressionBytes = 4096
	maxTerms           = 64
	maxDepth           = 16
	maxFieldNameBytes  = 100
)

// SyntaxError is a search expression the parser rejects; Error says why and where.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s (at character %d)", e.Msg, e.Pos+1)
}

var errEmptyGroup = errors.New("empty parentheses")

// Parse parses a search expression:
//
//	timeout "connection refused" level:ERROR service:api-gateway
//	(db OR cache) AND NOT retry -debug conn* metadata.error_code:DB_CONN_TIMEOUT
//
// Bare words must all match (AND is implicit); AND, OR and NOT are keywords
// only in upper case. An empty expression matches everything.
func Parse(s string) (Node, error) {
	if len(s) > MaxExpressionBytes {
		return nil, &SyntaxError{Pos: MaxExpressionBytes, Msg: fmt.Sprintf("expression is longer than %d bytes", MaxExpressionBytes)}
	}
	if !utf8.ValidString(s) {
		return nil, &SyntaxError{Msg: "expression is not valid UTF-8"}
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if len(toks) == 0 {
		return MatchAll{}, nil
	}
	n, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		return nil, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("unexpected %q", t.text)}
	}
	return n, nil
}

type tokenKind int

const (
	tokWord tokenKind = iota
	tokPhrase
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
)

type token struct {
	kind  tokenKind
	pos   int
	text  string // the word, or the unquoted phrase
	field string // set when the token was field:value
	neg   bool   // a leading '-'
}

func tokenize(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen, pos: i, text: "("})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, pos: i, text: ")"})
			i++
		default:
			t, next, err := readTerm(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = next
		}
		if len(toks) > 4*maxTerms {
			return nil, &SyntaxError{Pos: i, Msg: fmt.Sprintf("expression has more than %d terms", maxTerms)}
		}
	}
	return toks, nil
}

// readTerm reads a word, a "phrase", -negation or field:value starting at i.
func readTerm(s string, i int) (token, int, error) {
	start := i
	t := token{pos: start}
	if s[i] == '-' && i+1 < len(s) && !isSpace(s[i+1]) && s[i+1] != ')' {
		t.neg = true
		i++
	}
	if s[i] == '"' {
		phrase, next, err := readQuoted(s, i)
		if err != nil {
			return t, 0, err
		}
		t.kind, t.text = tokPhrase, phrase
		return t, next, nil
	}
	j := i
	for j < len(s) && !isSpace(s[j]) && s[j] != '(' && s[j] != ')' && s[j] != '"' {
		j++
	}
	word := s[i:j]
	if !t.neg {
		switch word {
		case "AND":
			return token{kind: tokAnd, pos: start, text: word}, j, nil
		case "OR":
			return token{kind: tokOr, pos: start, text: word}, j, nil
		case "NOT":
			return token{kind: tokNot, pos: start, text: word}, j, nil
		}
	}
	if colon := strings.IndexByte(word, ':'); colon > 0 {
		if field, ok := searchableField(word[:colon]); ok {
			t.field = field
			value := word[colon+1:]
			if value == "" && j < len(s) && s[j] == '"' {
				phrase, next, err := readQuoted(s, j)
				if err != nil {
					return t, 0, err
				}
				t.kind, t.text = tokPhrase, phrase
				return t, next, nil
			}
			if value == "" {
				return t, 0, &SyntaxError{Pos: start, Msg: fmt.Sprintf("%s: needs a value", word[:colon])}
			}
			t.kind, t.text = tokWord, value
			return t, j, nil
		}
	}
	if word == "" {
		return t, 0, &SyntaxError{Pos: start, Msg: "'-' needs a term after it"}
	}
	t.kind, t.text = tokWord, word
	return t, j, nil
}

// searchableField maps the field part of field:value to the stored field name.
// Unknown names are not fields, so "http://host" stays a word.
func searchableField(name string) (string, bool) {
	if exactFields[name] {
		return name, true
	}
	if key, ok := strings.CutPrefix(name, MetadataPrefix); ok && key != "" && len(name) <= maxFieldNameBytes {
		return name, true
	}
	return "", false
}

func readQuoted(s string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 < len(s) {
				j++
				b.WriteByte(s[j])
			}
		case '"':
			return b.String(), j + 1, nil
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, &SyntaxError{Pos: i, Msg: "unterminated quote"}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

type parser struct {
	toks  []token
	pos   int
	terms int
}

func (p *parser) peek() *token {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *parser) parseOr(depth int) (Node, error) {
	first, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for t := p.peek(); t != nil && t.kind == tokOr; t = p.peek() {
		p.pos++
		n, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return OrOf(nodes...), nil
}

func (p *parser) parseAnd(depth int) (Node, error) {
	var nodes []Node
	for {
		t := p.peek()
		if t == nil || t.kind == tokOr || t.kind == tokRParen {
			break
		}
		if t.kind == tokAnd {
			if len(nodes) == 0 {
				return nil, &SyntaxError{Pos: t.pos, Msg: "AND needs a term before it"}
			}
			p.pos++
			if n := p.peek(); n == nil || n.kind == tokOr || n.kind == tokRParen || n.kind == tokAnd {
				return nil, &SyntaxError{Pos: t.pos, Msg: "AND needs a term after it"}
			}
			continue
		}
		n, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 0 {
		pos := len(p.toks)
		if t := p.peek(); t != nil {
			pos = t.pos
			return nil, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("expected a term before %q", t.text)}
		}
		return nil, &SyntaxError{Pos: pos, Msg: "expected a term at the end"}
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	return &And{Children: nodes}, nil
}

func (p *parser) parseUnary(depth int) (Node, error) {
	if depth > maxDepth {
		return nil, &SyntaxError{Pos: p.peek().pos, Msg: fmt.Sprintf("expression nests deeper than %d", maxDepth)}
	}
	t := p.peek()
	switch t.kind {
	case tokNot:
		p.pos++
		if p.peek() == nil {
			return nil, &SyntaxError{Pos: t.pos, Msg: "NOT needs a term after it"}
		}
		n, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Not{Child: n}, nil
	case tokLParen:
		p.pos++
		if c := p.peek(); c != nil && c.kind == tokRParen {
			return nil, &SyntaxError{Pos: t.pos, Msg: errEmptyGroup.Error()}
		}
		n, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c == nil || c.kind != tokRParen {
			return nil, &SyntaxError{Pos: t.pos, Msg: "unbalanced parenthesis"}
		}
		p.pos++
		return n, nil
	case tokRParen:
		return nil, &SyntaxError{Pos: t.pos, Msg: "unbalanced parenthesis"}
	}
	p.pos++
	p.terms++
	if p.terms > maxTerms {
		return nil, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("expression has more than %d terms", maxTerms)}
	}
	term, err := newTerm(t)
	if err != nil {
		return nil, err
	}
	if t.neg {
		return &Not{Child: term}, nil
	}
	return term, nil
}

func newTerm(t *token) (*Term, error) {
	term := &Term{Field: t.field, Value: t.text, Kind: TermWord}
	if t.kind == tokPhrase {
		term.Kind = TermPhrase
	} else if v, ok := strings.CutSuffix(t.text, "*"); ok && v != "" && !strings.HasSuffix(v, "*") {
		term.Kind, term.Value = TermPrefix, v
	} else if strings.Trim(t.text, "*") == "" {
		return nil, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("%q matches nothing specific; leave it out to match everything", t.text)}
	}
	return NormalizeTerm(term, t.pos)
}

// NormalizeTerm puts a term's value in its stored form: levels are
// upper-cased and aliases resolved, ids lower-cased.
func NormalizeTerm(term *Term, pos int) (*Term, error) {
	switch term.Field {
	case FieldLevel:
		if term.Kind == TermPrefix {
			term.Value = strings.ToUpper(term.Value)
			return term, nil
		}
		l, ok := NormalizeLevel(term.Value)
		if !ok {
			return nil, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("level:%s is not a level (use DEBUG, INFO, WARNING, ERROR or CRITICAL)", term.Value)}
		}
		term.Value, term.Kind = l, TermWord
	case FieldTraceID, FieldSpanID:
		term.Value = strings.ToLower(term.Value)
	}
	if term.Value == "" && term.Field == FieldMessage {
		return nil, &SyntaxError{Pos: pos, Msg: "empty phrase"}
	}
	return term, nil
}
