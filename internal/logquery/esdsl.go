package logquery

import "strings"

// Elasticsearch document fields of the otel mapping mode (the contrib
// elasticsearch exporter's default, config/elasticsearch.yaml) for each
// search field.
var esFields = map[string]string{
	FieldMessage:       "body.text",
	FieldService:       "resource.attributes.service.name",
	FieldSource:        "resource.attributes.host.name",
	FieldTraceID:       "trace_id",
	FieldSpanID:        "span_id",
	FieldPatternID:     "attributes." + AttrPatternID,
	FieldCorrelationID: "attributes." + AttrCorrelationID,
}

// ESFieldName is the Elasticsearch document field for a search field
// (metadata.<key> is attributes.<key>). Level has no single field: see
// levelQuery.
func ESFieldName(field string) string {
	if f, ok := esFields[field]; ok {
		return f
	}
	return "attributes." + strings.TrimPrefix(field, MetadataPrefix)
}

// ToElasticsearch compiles a search expression to an Elasticsearch query
// (the value of "query" in a search request). Values are data inside JSON
// the caller marshals: a search string cannot change the query's structure.
//
// Meaning, as in the embedded store: the message matches by words,
// case-insensitively (body.text is analysed text); exact fields match their
// whole value (prefix* their start); level matches the record's severity
// number band, or its severity text when the number is unset. One
// difference, documented: metadata values are keywords in the otel mapping,
// so metadata.key:word matches the whole value (case-insensitively) rather
// than a word inside it.
func ToElasticsearch(n Node) map[string]any {
	switch v := n.(type) {
	case nil, MatchAll:
		return map[string]any{"match_all": map[string]any{}}
	case *And:
		return boolQuery("filter", v.Children)
	case *Or:
		q := boolQuery("should", v.Children)
		q["bool"].(map[string]any)["minimum_should_match"] = 1
		return q
	case *Not:
		return map[string]any{"bool": map[string]any{"must_not": []any{ToElasticsearch(v.Child)}}}
	case *Term:
		return termQuery(v)
	}
	panic("logquery: unknown node type")
}

func boolQuery(occur string, children []Node) map[string]any {
	clauses := make([]any, len(children))
	for i, c := range children {
		clauses[i] = ToElasticsearch(c)
	}
	return map[string]any{"bool": map[string]any{occur: clauses}}
}

func termQuery(t *Term) map[string]any {
	field := ESFieldName(t.Field)
	switch {
	case t.Field == FieldLevel:
		return levelQuery(t)
	case t.Field == FieldMessage && t.Kind == TermWord:
		return map[string]any{"match": map[string]any{field: map[string]any{"query": t.Value, "operator": "and"}}}
	case t.Field == FieldMessage && t.Kind == TermPhrase:
		return map[string]any{"match_phrase": map[string]any{field: t.Value}}
	case t.Field == FieldMessage:
		// A word starting with the value; the analyser lower-cases words.
		return map[string]any{"prefix": map[string]any{field: map[string]any{"value": strings.ToLower(t.Value)}}}
	}
	caseInsensitive := !IsExactField(t.Field) // metadata
	kind := "term"
	if t.Kind == TermPrefix {
		kind = "prefix"
	}
	body := map[string]any{"value": t.Value}
	if caseInsensitive {
		body["case_insensitive"] = true
	}
	return map[string]any{kind: map[string]any{field: body}}
}

// levelBands are the severity numbers of each level (OpenTelemetry's ranges,
// as LevelFromSeverity reads them).
var levelBands = map[string]struct{ from, to int }{
	"DEBUG":    {1, 8},
	"INFO":     {9, 12},
	"WARNING":  {13, 16},
	"ERROR":    {17, 20},
	"CRITICAL": {21, 24},
}

// levelQuery matches the levels the term names (one, or those starting with
// a prefix) the way LevelFromSeverity assigns them.
func levelQuery(t *Term) map[string]any {
	var should []any
	for _, level := range Levels {
		if level != t.Value && (t.Kind != TermPrefix || !strings.HasPrefix(level, t.Value)) {
			continue
		}
		band := levelBands[level]
		should = append(should, map[string]any{"range": map[string]any{"severity_number": map[string]any{"gte": band.from, "lte": band.to}}})
		severityTexts := SeverityTexts(level)
		texts := make([]any, len(severityTexts))
		for i, text := range severityTexts {
			texts[i] = map[string]any{"term": map[string]any{"severity_text": map[string]any{"value": text, "case_insensitive": true}}}
		}
		should = append(should, map[string]any{"bool": map[string]any{
			"should":               texts,
			"minimum_should_match": 1,
			"must_not":             []any{map[string]any{"range": map[string]any{"severity_number": map[string]any{"gte": 1}}}},
		}})
	}
	if len(should) == 0 {
		// No level is named so: match nothing, as the embedded store does.
		return map[string]any{"bool": map[string]any{"must_not": []any{map[string]any{"match_all": map[string]any{}}}}}
	}
	return map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}}
}
