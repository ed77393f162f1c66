package logquery

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The Elasticsearch DSL matches levels by SeverityTexts; it must list
// exactly the texts LevelFromSeverity reads as each level.
func TestSeverityTextsAreWhatLevelFromSeverityReads(t *testing.T) {
	assert.Equal(t, []string{"CRITICAL", "ALERT", "CRIT", "EMERG", "FATAL", "PANIC"}, SeverityTexts("CRITICAL"))
	for _, level := range Levels {
		for _, text := range SeverityTexts(level) {
			assert.Equal(t, level, LevelFromSeverity(0, text), text)
			assert.Equal(t, level, LevelFromSeverity(0, strings.ToLower(text)), text)
		}
	}
	assert.Equal(t, "INFO", LevelFromSeverity(0, "whatever"))
	assert.Equal(t, "DEBUG", LevelFromSeverity(0, "trace"))
}
