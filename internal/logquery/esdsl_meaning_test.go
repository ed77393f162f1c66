package logquery

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestElasticsearchGoldenMeaning evaluates each golden query
// (testdata/esdsl) over the meaning records written as the elasticsearch
// exporter writes them (otel mapping) and checks it selects the records the
// table says — the matches the embedded store returns for real in its
// TestMeaningTable. Elasticsearch cannot run here, so the evaluation is a
// model of the query DSL this compiler emits (bool, match, match_phrase,
// prefix, term, range, match_all) and of the otel mapping (body.text is text
// analysed by the standard analyser, approximated as lower-cased runs of
// letters and digits; everything else is a keyword; attributes are
// flattened to dotted names). It proves the golden files mean what the
// table says under that model, not Elasticsearch's own behaviour.
func TestElasticsearchGoldenMeaning(t *testing.T) {
	docs := map[string]map[string]any{}
	for _, rec := range MeaningRecords {
		docs[rec.Name] = meaningDocument(rec)
	}
	for _, tc := range MeaningCases {
		t.Run(tc.Name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "esdsl", tc.Name+".json"))
			require.NoError(t, err)
			var golden struct {
				Query map[string]any `json:"query"`
			}
			require.NoError(t, json.Unmarshal(raw, &golden))
			var got []string
			for name, doc := range docs {
				ok, err := dslMatches(golden.Query, doc)
				require.NoError(t, err)
				if ok {
					got = append(got, name)
				}
			}
			sort.Strings(got)
			assert.Equal(t, tc.Matches, got, "%s", tc.Expression)
		})
	}
}

// meaningDocument is rec's document as flattened field → value.
func meaningDocument(rec MeaningRecord) map[string]any {
	doc := map[string]any{
		"body.text":                        rec.Message,
		"severity_text":                    rec.Level,
		"severity_number":                  float64(SeverityNumber(rec.Level)),
		"resource.attributes.service.name": rec.Service,
		"resource.attributes.host.name":    rec.Source,
		"attributes.name":                  rec.Name,
	}
	if rec.TraceID != "" {
		doc["trace_id"] = rec.TraceID
	}
	if rec.CorrelationID != "" {
		doc["attributes."+AttrCorrelationID] = rec.CorrelationID
	}
	if rec.PatternID != "" {
		doc["attributes."+AttrPatternID] = rec.PatternID
	}
	var flatten func(prefix string, m map[string]any)
	flatten = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				flatten(prefix+k+".", sub)
				continue
			}
			doc[prefix+k] = v
		}
	}
	flatten("attributes.", rec.Metadata)
	return doc
}

// dslMatches evaluates one query clause on a document.
func dslMatches(q map[string]any, doc map[string]any) (bool, error) {
	if len(q) != 1 {
		return false, fmt.Errorf("a clause has one key, got %v", q)
	}
	for kind, body := range q {
		switch kind {
		case "match_all":
			return true, nil
		case "bool":
			return boolMatches(body.(map[string]any), doc)
		}
		field, arg := singleField(body.(map[string]any))
		value, present := doc[field]
		switch kind {
		case "match":
			opts := arg.(map[string]any)
			if opts["operator"] != "and" {
				return false, fmt.Errorf("match without operator and: %v", opts)
			}
			return present && containsAll(analyse(value.(string)), analyse(opts["query"].(string))), nil
		case "match_phrase":
			return present && containsSequence(analyse(value.(string)), analyse(arg.(string))), nil
		case "prefix":
			want := arg.(map[string]any)["value"].(string)
			if field == "body.text" {
				for _, token := range analyse(value.(string)) {
					if strings.HasPrefix(token, want) {
						return true, nil
					}
				}
				return false, nil
			}
			s, _ := value.(string)
			return present && keywordPrefix(s, want, arg.(map[string]any)["case_insensitive"] == true), nil
		case "term":
			opts := arg.(map[string]any)
			s, _ := value.(string)
			if opts["case_insensitive"] == true {
				return present && strings.EqualFold(s, opts["value"].(string)), nil
			}
			return present && s == opts["value"], nil
		case "range":
			n, ok := value.(float64)
			if !ok {
				return false, nil
			}
			bounds := arg.(map[string]any)
			if lo, ok := bounds["gte"].(float64); ok && n < lo {
				return false, nil
			}
			if hi, ok := bounds["lte"].(float64); ok && n > hi {
				return false, nil
			}
			return true, nil
		}
		return false, fmt.Errorf("clause %q is not modelled", kind)
	}
	return false, nil
}

func boolMatches(b map[string]any, doc map[string]any) (bool, error) {
	count := func(occur string) (int, int, error) {
		clauses, _ := b[occur].([]any)
		n := 0
		for _, c := range clauses {
			ok, err := dslMatches(c.(map[string]any), doc)
			if err != nil {
				return 0, 0, err
			}
			if ok {
				n++
			}
		}
		return n, len(clauses), nil
	}
	for _, occur := range []string{"filter", "must"} {
		n, total, err := count(occur)
		if err != nil || n < total {
			return false, err
		}
	}
	if n, _, err := count("must_not"); err != nil || n > 0 {
		return false, err
	}
	n, total, err := count("should")
	if err != nil || total == 0 {
		return err == nil, err
	}
	minimum, ok := b["minimum_should_match"].(float64)
	if !ok {
		return false, fmt.Errorf("should without minimum_should_match: %v", b)
	}
	return float64(n) >= minimum, nil
}

func singleField(m map[string]any) (string, any) {
	for k, v := range m {
		return k, v
	}
	return "", nil
}

// analyse approximates the standard analyser: lower-cased runs of letters
// and digits.
func analyse(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func containsAll(tokens, want []string) bool {
	for _, w := range want {
		found := false
		for _, t := range tokens {
			found = found || t == w
		}
		if !found {
			return false
		}
	}
	return true
}

func containsSequence(tokens, want []string) bool {
	for i := 0; i+len(want) <= len(tokens); i++ {
		if strings.Join(tokens[i:i+len(want)], " ") == strings.Join(want, " ") {
			return true
		}
	}
	return false
}

func keywordPrefix(s, prefix string, caseInsensitive bool) bool {
	if caseInsensitive {
		return strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix))
	}
	return strings.HasPrefix(s, prefix)
}
