package logquery

// The meaning table: search expressions and the records of a small fixed
// set each must match. Every backend's tests run it — the embedded store's
// for real, Elasticsearch's as golden query DSL (testdata/esdsl) that
// TestElasticsearchGoldenMeaning evaluates over the same records under a
// model of the DSL — so one expression means the same everywhere.

// MeaningRecord is one record of the fixed set, named by Name (stored as
// metadata.name).
type MeaningRecord struct {
	Name, Level, Service, Source, Message string
	TraceID, CorrelationID, PatternID     string
	Metadata                              map[string]any
}

// MeaningRecords is the fixed set.
var MeaningRecords = []MeaningRecord{
	{Name: "r1", Level: "ERROR", Service: "payments", Source: "pay-01", Message: "Payment 1 declined: card expired error",
		TraceID:  "4bf92f3577b34da6a3ce929d0e0e4736",
		Metadata: map[string]any{"error_code": "E042", "retry": "3", "order": map[string]any{"region": "eu-west"}}},
	{Name: "r2", Level: "INFO", Service: "payments", Source: "pay-02", Message: "Connection timeout to db",
		Metadata: map[string]any{"retry": "1"}},
	{Name: "r3", Level: "WARNING", Service: "cache", Source: "cache-01", Message: "cache miss for key user:42"},
	{Name: "r4", Level: "CRITICAL", Service: "payments", Source: "pay-01", Message: "connection refused by upstream",
		CorrelationID: "abc-123"},
	{Name: "r5", Level: "DEBUG", Service: "api", Source: "api-01", Message: "debug error in connection pool"},
	{Name: "r6", Level: "ERROR", Service: "api", Source: "api-01", Message: "Payment 2 refused: limit reached",
		PatternID: "p1k2ehy341qlmd"},
	{Name: "r7", Level: "INFO", Service: `a"b`, Source: "x-01", Message: `"); DROP TABLE logs; --`},
}

// MeaningCase is a search expression and the names of the records it matches.
type MeaningCase struct {
	Name, Expression string
	Matches          []string
}

// MeaningCases is the table.
var MeaningCases = []MeaningCase{
	{"match_all", "", []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7"}},
	{"word", "timeout", []string{"r2"}},
	{"two_words", "connection timeout", []string{"r2"}},
	{"phrase", `"connection refused"`, []string{"r4"}},
	{"word_prefix", "conn*", []string{"r2", "r4", "r5"}},
	{"or", "db OR cache", []string{"r2", "r3"}},
	{"not", "error -debug", []string{"r1"}},
	{"parentheses", "payment (declined OR refused)", []string{"r1", "r6"}},
	{"level", "level:error", []string{"r1", "r6"}},
	{"level_alias", "level:fatal", []string{"r4"}},
	{"level_prefix", "level:WARN*", []string{"r3"}},
	{"service", "service:payments", []string{"r1", "r2", "r4"}},
	{"source_prefix", "source:pay-*", []string{"r1", "r2", "r4"}},
	{"trace_id", "trace_id:4bf92f3577b34da6a3ce929d0e0e4736", []string{"r1"}},
	{"pattern_id", "pattern_id:p1k2ehy341qlmd", []string{"r6"}},
	{"correlation_id", "correlation_id:abc-123", []string{"r4"}},
	{"metadata", "metadata.error_code:E042", []string{"r1"}},
	{"metadata_nested", "metadata.order.region:eu*", []string{"r1"}},
	{"hostile", `"); DROP TABLE logs; --" OR service:"a\"b"`, []string{"r7"}},
	{"combined", `service:payments level:error "card expired" -metadata.retry:1`, []string{"r1"}},
}
