package logquery

// Log record attributes of paylog's data model (design.md §4): the request's
// correlation id, and the pattern the patterns processor assigned.
const (
	AttrCorrelationID   = "correlation_id"
	AttrPatternID       = "log.pattern.id"
	AttrPatternTemplate = "log.pattern.template"
)
