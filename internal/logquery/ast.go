// Package logquery is the search model shared by the search API and the log
// store backends: the AST of a search expression, its parser, the search
// request and result shapes, and the compiler to LogsQL for the embedded store.
//
// One AST serves every backend, so a search string means the same thing
// wherever it runs. Compilers quote every value they emit: a search string can
// change what is matched, never the structure of the backend query.
package logquery

// Node is a node of a parsed search expression.
type Node interface {
	isNode()
}

// MatchAll matches every log record (an empty search expression).
type MatchAll struct{}

// And matches records that match every child.
type And struct {
	Children []Node
}

// Or matches records that match at least one child.
type Or struct {
	Children []Node
}

// Not matches records that do not match Child.
type Not struct {
	Child Node
}

// TermKind says how a term's value is matched.
type TermKind int

const (
	// TermWord matches a whole word (or, for fields matched exactly, the whole value).
	TermWord TermKind = iota
	// TermPhrase matches a sequence of words in order ("quoted phrase").
	TermPhrase
	// TermPrefix matches words (or exact values) starting with Value (word*).
	TermPrefix
)

// Term matches one value in one field. Field is empty for the message.
type Term struct {
	Field string
	Value string
	Kind  TermKind
}

func (MatchAll) isNode() {}
func (*And) isNode()     {}
func (*Or) isNode()      {}
func (*Not) isNode()     {}
func (*Term) isNode()    {}

// Fields that a search expression may name, beside metadata.<key>.
const (
	FieldMessage       = ""
	FieldLevel         = "level"
	FieldService       = "service"
	FieldSource        = "source"
	FieldTraceID       = "trace_id"
	FieldSpanID        = "span_id"
	FieldPatternID     = "pattern_id"
	FieldCorrelationID = "correlation_id"
	MetadataPrefix     = "metadata."
)

// exactFields are matched on their whole value, case-sensitively (level and
// ids are normalised first); the message and metadata are matched by words.
var exactFields = map[string]bool{
	FieldLevel:         true,
	FieldService:       true,
	FieldSource:        true,
	FieldTraceID:       true,
	FieldSpanID:        true,
	FieldPatternID:     true,
	FieldCorrelationID: true,
}

// IsExactField reports whether field is matched on its whole value.
func IsExactField(field string) bool { return exactFields[field] }

// AndOf returns the conjunction of nodes, dropping MatchAll and flattening
// single children.
func AndOf(nodes ...Node) Node {
	var children []Node
	for _, n := range nodes {
		switch v := n.(type) {
		case nil, MatchAll:
		case *And:
			children = append(children, v.Children...)
		default:
			children = append(children, n)
		}
	}
	switch len(children) {
	case 0:
		return MatchAll{}
	case 1:
		return children[0]
	}
	return &And{Children: children}
}

// OrOf returns the disjunction of nodes; one node is returned as is.
func OrOf(nodes ...Node) Node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	return &Or{Children: nodes}
}
