package logquery

import (
	"regexp"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileInputs try to end a string literal or a filter early and smuggle in
// pipes, wildcards or other fields.
var hostileInputs = []string{
	`foo" | delete`,
	`foo") OR *`,
	`" OR "" OR "`,
	`\" OR *`,
	`x\`,
	"line\nbreak | stats count()",
	"`backtick` | limit 1",
	`'single' OR _msg:*`,
	`_stream:{service="x"}`,
	`* | fields _msg`,
	"# comment | delete",
	`i(") OR *`,
	"\x00\x01\x7f",
	"ünïcödé 日本語 🙂",
}

// TestHostileValuesStayLiterals compiles hostile values in every position
// and checks that the engine parses each into the same structure as a benign
// value: with every string literal blanked out, the parsed query reads the
// same. The input changed what is matched, never the query's shape.
func TestHostileValuesStayLiterals(t *testing.T) {
	for _, in := range hostileInputs {
		for _, term := range []Term{
			{Value: in},
			{Value: in, Kind: TermPhrase},
			{Value: in, Kind: TermPrefix},
			{Field: FieldService, Value: in},
			{Field: FieldSource, Value: in, Kind: TermPrefix},
			{Field: "metadata.k", Value: in},
		} {
			benign := term
			benign.Value = "benign value"
			compiled := ToLogsQL(&term)
			q, err := logstorage.ParseQuery(compiled)
			require.NoError(t, err, "%q compiled to %s", in, compiled)
			want, err := logstorage.ParseQuery(ToLogsQL(&benign))
			require.NoError(t, err)
			assert.Equal(t, skeleton(want.String()), skeleton(q.String()), "%q compiled to %s, parsed as %s", in, compiled, q.String())
		}
	}
}

// skeleton blanks out the double-quoted string literals of a LogsQL query
// and folds an alternative of blank literals into one: a message term
// compiles to one literal per spelling (caseVariants), as many as the value
// has distinct spellings.
func skeleton(q string) string {
	return blankAlternatives.ReplaceAllString(blankLiterals(q), `""$1`)
}

var blankAlternatives = regexp.MustCompile(`""(\*?)(?: or ""\*?)+`)

func blankLiterals(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] != '"' {
			b.WriteByte(q[i])
			continue
		}
		b.WriteString(`""`)
		for i++; i < len(q) && q[i] != '"'; i++ {
			if q[i] == '\\' {
				i++
			}
		}
	}
	return b.String()
}

// TestHostileSearchStringsParseSafely runs hostile strings through the search
// parser: each either fails with a syntax error or compiles to a valid query.
func TestHostileSearchStringsParseSafely(t *testing.T) {
	for _, in := range append(hostileInputs, `level:ERROR" OR level:"DEBUG`, `service:"a\" OR \"b"`, `metadata.x:"\"`, `((((`) {
		n, err := Parse(in)
		if err != nil {
			var se *SyntaxError
			require.ErrorAs(t, err, &se, in)
			continue
		}
		q, err := logstorage.ParseQuery(ToLogsQL(n))
		require.NoError(t, err, in)
		assert.NotContains(t, q.String(), " | ", in)
	}
}
