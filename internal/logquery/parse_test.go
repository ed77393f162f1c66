package logquery

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func word(v string) *Term                 { return &Term{Value: v} }
func field(f, v string) *Term             { return &Term{Field: f, Value: v} }
func kind(t *Term, k TermKind) *Term      { t.Kind = k; return t }
func and(children ...Node) *And           { return &And{Children: children} }
func or(children ...Node) *Or             { return &Or{Children: children} }
func not(child Node) *Not                 { return &Not{Child: child} }
func phrase(f, v string) *Term            { return kind(field(f, v), TermPhrase) }
func prefix(f, v string) *Term            { return kind(field(f, v), TermPrefix) }
func parseOK(t *testing.T, s string) Node { n, err := Parse(s); require.NoError(t, err, s); return n }

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Node
	}{
		{"", MatchAll{}},
		{"   ", MatchAll{}},
		{"error", word("error")},
		{"connection timeout", and(word("connection"), word("timeout"))},
		{"connection AND timeout", and(word("connection"), word("timeout"))},
		{"db OR cache", or(word("db"), word("cache"))},
		{"a b OR c", or(and(word("a"), word("b")), word("c"))},
		{"a (b OR c)", and(word("a"), or(word("b"), word("c")))},
		{"NOT debug", not(word("debug"))},
		{"-debug error", and(not(word("debug")), word("error"))},
		{`"connection refused"`, phrase("", "connection refused")},
		{`-"connection refused"`, not(phrase("", "connection refused"))},
		{"conn*", prefix("", "conn")},
		{"level:error", field("level", "ERROR")},
		{"level:warn", field("level", "WARNING")},
		{"level:fatal", field("level", "CRITICAL")},
		{"service:api-gateway", field("service", "api-gateway")},
		{"source:web-*", prefix("source", "web-")},
		{"trace_id:0AF7651916CD43DD8448EB211C80319C", field("trace_id", "0af7651916cd43dd8448eb211c80319c")},
		{`metadata.error_code:DB_CONN_TIMEOUT`, field("metadata.error_code", "DB_CONN_TIMEOUT")},
		{`metadata.user.name:"Ada Lovelace"`, phrase("metadata.user.name", "Ada Lovelace")},
		{"pattern_id:p-12", field("pattern_id", "p-12")},
		// Unknown fields are words: URLs and host:port stay searchable.
		{"http://example.com/x", word("http://example.com/x")},
		{"10.0.0.1:8080", word("10.0.0.1:8080")},
		// Lower-case keywords are words.
		{"cats and dogs", and(word("cats"), word("and"), word("dogs"))},
		{`"say \"hi\""`, phrase("", `say "hi"`)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, parseOK(t, tt.in))
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		`"unterminated`:          "unterminated quote",
		"(a OR b":                "unbalanced parenthesis",
		"a OR b)":                `unexpected ")"`,
		"()":                     "empty parentheses",
		"OR a":                   `expected a term before "OR"`,
		"a OR":                   "expected a term at the end",
		"AND a":                  "AND needs a term before it",
		"a AND":                  "AND needs a term after it",
		"NOT":                    "NOT needs a term after it",
		"level:":                 "level: needs a value",
		"level:verbose":          "level:verbose is not a level",
		"*":                      "matches nothing specific",
		strings.Repeat("(", 40):  "nests deeper than 16",
		strings.Repeat("a ", 65): "more than 64 terms",
		strings.Repeat("x", MaxExpressionBytes+1): "longer than 4096 bytes",
		"\xff\xfe": "not valid UTF-8",
	}
	for in, want := range tests {
		t.Run(in[:min(len(in), 20)], func(t *testing.T) {
			_, err := Parse(in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}

func TestToLogsQL(t *testing.T) {
	tests := map[string]string{
		"":                             "*",
		"error":                        `("_msg":"error" OR "_msg":"Error" OR "_msg":"ERROR")`,
		"Timeout":                      `("_msg":"Timeout" OR "_msg":"timeout" OR "_msg":"TIMEOUT")`,
		"eRRor":                        `("_msg":"eRRor" OR "_msg":"error" OR "_msg":"Error" OR "_msg":"ERROR")`,
		"42":                           `"_msg":"42"`,
		`"connection refused" -debug`:  `(("_msg":"connection refused" OR "_msg":"Connection refused" OR "_msg":"CONNECTION REFUSED") AND NOT ("_msg":"debug" OR "_msg":"Debug" OR "_msg":"DEBUG"))`,
		"conn* OR level:error":         `(("_msg":"conn"* OR "_msg":"Conn"* OR "_msg":"CONN"*) OR "level":="ERROR")`,
		"service:api source:web-*":     `("service":="api" AND "source":="web-"*)`,
		"timeout level:error":          `("level":="ERROR" AND ("_msg":"timeout" OR "_msg":"Timeout" OR "_msg":"TIMEOUT"))`,
		"metadata.error_code:db_conn*": `"metadata.error_code":i("db_conn"*)`,
		`NOT (a OR b)`:                 `NOT (("_msg":"a" OR "_msg":"A") OR ("_msg":"b" OR "_msg":"B"))`,
	}
	for in, want := range tests {
		assert.Equal(t, want, ToLogsQL(parseOK(t, in)), in)
	}
}

// A store's other forms of a field's values join the term as an in() list.
func TestToLogsQLWithStoredForms(t *testing.T) {
	forms := func(t *Term) ([]string, bool, bool) {
		switch t.Value {
		case "pa":
			return []string{"7"}, true, true
		case "p":
			return []string{"7", "9"}, true, true
		case "pnone":
			return nil, true, true
		case "12":
			return nil, false, true
		case `x") OR *`:
			return []string{`1") OR *`}, true, true
		}
		return nil, false, false
	}
	tests := map[string]string{
		"pattern_id:pa":              `("pattern_id":="pa" OR "pattern_id":in("7"))`,
		"pattern_id:p*":              `("pattern_id":="p"* OR "pattern_id":in("7","9"))`,
		"pattern_id:pnone":           `("pattern_id":="pnone")`,
		"pattern_id:12":              `("pattern_id":in())`,
		"-pattern_id:pa level:error": `(NOT ("pattern_id":="pa" OR "pattern_id":in("7")) AND "level":="ERROR")`,
		`pattern_id:"x\") OR *"`:     `("pattern_id":="x\") OR *" OR "pattern_id":in("1\") OR *"))`,
		"service:api":                `"service":="api"`,
	}
	for in, want := range tests {
		assert.Equal(t, want, ToLogsQLWith(parseOK(t, in), forms), in)
	}
}

func TestParseTimeParam(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Time{
		"2024-01-01T00:00:00":        time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024-01-01T00:00:00Z":       time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024-01-01T02:00:00+02:00":  time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024-01-01T00:00:00.123456": time.Date(2024, 1, 1, 0, 0, 0, 123456000, time.UTC),
		"2024-01-01 00:00:00":        time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024-01-01":                 time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"now":                        now,
		"now-1h":                     now.Add(-time.Hour),
		"now-15m":                    now.Add(-15 * time.Minute),
		"now-7d":                     now.Add(-7 * 24 * time.Hour),
	}
	for in, want := range tests {
		got, err := ParseTimeParam(in, now)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got), "%s: got %s", in, got)
	}
	for _, bad := range []string{"yesterday", "now+1h", "now-1y", "now-h", "2024-13-01", "1700000000", "now-99999999999d"} {
		_, err := ParseTimeParam(bad, now)
		assert.Error(t, err, bad)
	}
}

func TestNormalizeLevel(t *testing.T) {
	for in, want := range map[string]string{"debug": "DEBUG", "Info": "INFO", "WARN": "WARNING", "warning": "WARNING", "error": "ERROR", "fatal": "CRITICAL", "CRITICAL": "CRITICAL"} {
		got, ok := NormalizeLevel(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "trace", "verbose", "ERR"} {
		_, ok := NormalizeLevel(bad)
		assert.False(t, ok, bad)
	}
}
