package logquery

// Log record attributes of paylog's data model (design.md §4): the request's
// correlation id, and the pattern the patterns processor assigned.
const (
	AttrCorrelationID   = "correlation_id"
	AttrPatternID       = "log.pattern.id"
	AttrPatternTemplate = "log.pattern.template"
)

// PatternIDSlot spreads pattern ids over n slots by their last two bytes,
// for small tables that spare a hot path hashing the whole id: the patterns
// processor's ids end in hash digits, and numbers vary last too.
func PatternIDSlot(id string, n int) int {
	if len(id) < 2 {
		return 0
	}
	return (int(id[len(id)-1]) + 31*int(id[len(id)-2])) % n
}
