package logquery

import (
	"strconv"
	"strings"
)

// ToLogsQL compiles n to a LogsQL filter for the embedded store.
//
// Every field name and value is emitted as a Go-quoted string literal, which
// LogsQL decodes with the same rules, so no input can end a literal early.
func ToLogsQL(n Node) string {
	var b strings.Builder
	writeLogsQL(&b, n)
	return b.String()
}

func writeLogsQL(b *strings.Builder, n Node) {
	switch v := n.(type) {
	case MatchAll:
		b.WriteString("*")
	case *And:
		writeJoined(b, v.Children, " AND ")
	case *Or:
		writeJoined(b, v.Children, " OR ")
	case *Not:
		b.WriteString("NOT ")
		writeLogsQL(b, v.Child)
	case *Term:
		writeTermLogsQL(b, v)
	}
}

func writeJoined(b *strings.Builder, children []Node, op string) {
	b.WriteByte('(')
	for i, c := range children {
		if i > 0 {
			b.WriteString(op)
		}
		writeLogsQL(b, c)
	}
	b.WriteByte(')')
}

// StoredFieldName is the embedded store's column for a search field.
func StoredFieldName(field string) string {
	if field == FieldMessage {
		return "_msg"
	}
	return field
}

func writeTermLogsQL(b *strings.Builder, t *Term) {
	b.WriteString(strconv.Quote(StoredFieldName(t.Field)))
	b.WriteByte(':')
	value := strconv.Quote(t.Value)
	if IsExactField(t.Field) {
		// Whole-value match, case-sensitive on normalised values.
		b.WriteByte('=')
		b.WriteString(value)
		if t.Kind == TermPrefix {
			b.WriteByte('*')
		}
		return
	}
	// Message and metadata: case-insensitive word, phrase or word-prefix match.
	b.WriteString("i(")
	b.WriteString(value)
	if t.Kind == TermPrefix {
		b.WriteByte('*')
	}
	b.WriteByte(')')
}
