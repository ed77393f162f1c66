package logquery

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

// FuzzParse feeds search expressions to the parser and both compilers (the
// seed corpus runs in every `go test`; `go test -fuzz FuzzParse` explores
// from it). An expression either fails with a SyntaxError pointing inside it,
// or parses, the same way every time, into a query that both backends accept
// and whose structure does not depend on the values typed: with every value
// replaced by a benign one, the LogsQL and the Elasticsearch query read the
// same once their literals are blanked out.
func FuzzParse(f *testing.F) {
	for spellings, value := range benignSpellings {
		if got := len(caseVariants(value)); got != spellings {
			f.Fatalf("benign value %q has %d spellings, not %d", value, got, spellings)
		}
	}
	for _, s := range append(hostileInputs,
		"", "error", "connection timeout", "db OR cache", "a (b OR c) AND NOT d", "-debug error",
		`"connection refused"`, `-"connection refused"`, "conn*", "level:fatal", "level:ERROR,WARN",
		"service:api-gateway", "source:web-*", "trace_id:0AF7651916CD43DD8448EB211C80319C",
		`metadata.user.name:"Ada Lovelace"`, "metadata.error_code:DB_*", "pattern_id:p-12",
		"pattern_id:p1k*", "pattern_id:pq7", "pattern_id:12", `pattern_id:"x\") | delete"`,
		"http://example.com/x", "10.0.0.1:8080", `"say \"hi\""`, "((((a))))", "a OR", "NOT", ")", `\`,
		"level:", ":x", "metadata.:x", "*", "a**", `"unterminated`,
	) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error %v is not a SyntaxError", s, err)
			}
			if se.Pos < 0 || se.Pos > max(len(s), MaxExpressionBytes) {
				t.Fatalf("%q: error position %d outside the expression", s, se.Pos)
			}
			return
		}
		if again, _ := Parse(s); !reflect.DeepEqual(n, again) {
			t.Fatalf("%q parses differently twice", s)
		}

		// Compiled values are always quoted: blanking the literals leaves the
		// structure, which must be the benign one's. The engine must accept
		// it as a filter alone: no pipe outside a literal.
		compiled := ToLogsQL(n)
		benign := ToLogsQL(withBenignValues(n))
		if got, want := compiledSkeleton(compiled), compiledSkeleton(benign); got != want {
			t.Fatalf("%q changed the LogsQL structure:\n got %s\nwant %s", s, compiled, benign)
		}
		q, err := logstorage.ParseQuery(compiled)
		if err != nil {
			t.Fatalf("%q compiled to LogsQL the engine rejects: %s: %v", s, compiled, err)
		}
		if strings.Contains(blankLiterals(q.String()), "|") {
			t.Fatalf("%q compiled to a query with a pipe: %s", s, q.String())
		}

		// The same with a store's other forms of pattern ids: an in() list,
		// empty or not, with or without the term as written.
		withForms := ToLogsQLWith(n, func(t *Term) ([]string, bool, bool) {
			if t.Field != FieldPatternID {
				return nil, false, false
			}
			var alternatives []string
			if !strings.Contains(t.Value, "2") {
				alternatives = []string{t.Value, "17"}
			}
			return alternatives, !strings.Contains(t.Value, "1"), true
		})
		q, err = logstorage.ParseQuery(withForms)
		if err != nil {
			t.Fatalf("%q compiled with stored forms to LogsQL the engine rejects: %s: %v", s, withForms, err)
		}
		if strings.Contains(blankLiterals(q.String()), "|") {
			t.Fatalf("%q compiled with stored forms to a query with a pipe: %s", s, q.String())
		}

		dsl, err := json.Marshal(ToElasticsearch(n))
		if err != nil {
			t.Fatalf("%q: Elasticsearch query does not encode: %v", s, err)
		}
		benignDSL, _ := json.Marshal(ToElasticsearch(withBenignValues(n)))
		if got, want := blankJSONStrings(t, dsl), blankJSONStrings(t, benignDSL); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q changed the Elasticsearch query structure:\n got %s\nwant %s", s, dsl, benignDSL)
		}
	})
}

// compiledSkeleton blanks the literals of ToLogsQL's output.
func compiledSkeleton(q string) string {
	return blankLiterals(q)
}

// benignSpellings are benign message values by how many spellings
// caseVariants gives them (1 to 4), each with a space so that the engine
// prints it quoted, as it does hostile values. A message term compiles to
// one filter per spelling: the benign value keeps the count, and so the
// structure ("&&& OR 0" is two words of one spelling each, not one word of
// two spellings).
var benignSpellings = map[int]string{1: "12 34", 2: "x 1", 3: "benign value", 4: "bEnign value"}

// withBenignValues copies n with every term's value replaced by a benign one.
func withBenignValues(n Node) Node {
	switch n := n.(type) {
	case *And:
		return &And{Children: benignChildren(n.Children)}
	case *Or:
		return &Or{Children: benignChildren(n.Children)}
	case *Not:
		return &Not{Child: withBenignValues(n.Child)}
	case *Term:
		if n.Field == FieldLevel {
			return n // the parser has already made it one of the five level names
		}
		value := "benign value" // with a space, as benignSpellings
		if n.Field == FieldMessage {
			value = benignSpellings[len(caseVariants(n.Value))]
		}
		return &Term{Field: n.Field, Value: value, Kind: n.Kind}
	}
	return n
}

func benignChildren(children []Node) []Node {
	out := make([]Node, len(children))
	for i, c := range children {
		out[i] = withBenignValues(c)
	}
	return out
}

// blankJSONStrings decodes raw JSON with every string value (not key) and
// number replaced by "": what is left is the query's structure.
func blankJSONStrings(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var blank func(any) any
	blank = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				v[k] = blank(child)
			}
			return v
		case []any:
			for i, child := range v {
				v[i] = blank(child)
			}
			return v
		case string, float64:
			return ""
		}
		return v
	}
	return blank(v)
}
