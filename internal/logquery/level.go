package logquery

import (
	"sort"
	"strings"
)

// Levels in increasing severity, as stored and returned.
var Levels = []string{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}

// levelAliases maps accepted spellings (upper case) to the stored level.
var levelAliases = map[string]string{
	"DEBUG":    "DEBUG",
	"INFO":     "INFO",
	"WARNING":  "WARNING",
	"WARN":     "WARNING",
	"ERROR":    "ERROR",
	"CRITICAL": "CRITICAL",
	"FATAL":    "CRITICAL",
}

// NormalizeLevel returns the stored form of a level given in any case or as
// an alias (WARN, FATAL), and false when s is not a level.
func NormalizeLevel(s string) (string, bool) {
	if l, ok := levelAliases[s]; ok {
		return l, true
	}
	l, ok := levelAliases[strings.ToUpper(s)]
	return l, ok
}

// SeverityNumber returns the OpenTelemetry severity number of a stored level.
func SeverityNumber(level string) int32 {
	switch level {
	case "DEBUG":
		return 5
	case "INFO":
		return 9
	case "WARNING":
		return 13
	case "ERROR":
		return 17
	case "CRITICAL":
		return 21
	}
	return 0
}

// LevelFromSeverity maps an OpenTelemetry severity number (and, when it is
// unset, the severity text) to a stored level. Records with neither are INFO.
func LevelFromSeverity(number int32, text string) string {
	switch {
	case number >= 21:
		return "CRITICAL"
	case number >= 17:
		return "ERROR"
	case number >= 13:
		return "WARNING"
	case number >= 9:
		return "INFO"
	case number >= 1:
		return "DEBUG"
	}
	if l, ok := NormalizeLevel(text); ok {
		return l
	}
	if l, ok := otherSeverityTexts[strings.ToUpper(text)]; ok {
		return l
	}
	return "INFO"
}

// otherSeverityTexts are severity texts (upper case) that records carry but
// searches do not accept as level names.
var otherSeverityTexts = map[string]string{
	"TRACE": "DEBUG",
	"ERR":   "ERROR",
	"CRIT":  "CRITICAL", "ALERT": "CRITICAL", "EMERG": "CRITICAL", "PANIC": "CRITICAL",
}

// SeverityTexts returns the severity texts (upper case) LevelFromSeverity
// reads as level when the severity number is unset: the level itself first,
// then the others in order.
func SeverityTexts(level string) []string {
	texts := []string{level}
	var others []string
	for _, m := range []map[string]string{levelAliases, otherSeverityTexts} {
		for text, l := range m {
			if l == level && text != level {
				others = append(others, text)
			}
		}
	}
	sort.Strings(others)
	return append(texts, others...)
}
