package patterns // import "github.com/paylog/paylog/processor/patterns"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/paylog/paylog/internal/logquery"
)

// Values of template_attribute.
const (
	TemplateEveryRecord = "every_record"
	TemplateOnChange    = "on_change"
)

// Config configures the patterns processor.
type Config struct {
	// Levels limits mining to records of these levels (DEBUG, INFO, WARNING,
	// ERROR, CRITICAL; aliases allowed). Default: every record.
	Levels []string `mapstructure:"levels"`
	// Similarity is the share of a pattern's constant words a message must
	// match to join it (0 < s ≤ 1). Default 0.55.
	Similarity float64 `mapstructure:"similarity"`
	// MaxPatterns bounds memory; the least recently seen pattern is evicted
	// beyond it. Default 20000.
	MaxPatterns int `mapstructure:"max_patterns"`
	// MaxTokens bounds the words of one message; the rest is one <*>. Default 128.
	MaxTokens int `mapstructure:"max_tokens"`
	// MaxMessageBytes bounds the part of a message that is mined. Default 4096.
	MaxMessageBytes int `mapstructure:"max_message_bytes"`
	// GroupBy names a resource attribute (such as service.name) that gives
	// every value its own pattern space. Default empty: one space, so a
	// pattern spans services.
	GroupBy string `mapstructure:"group_by"`
	// Storage is a storage extension (file_storage, redis_storage) that keeps
	// the patterns across restarts, so ids stay the same. Default none.
	Storage *component.ID `mapstructure:"storage"`
	// SaveInterval is how often the patterns are saved to Storage (and at
	// shutdown). Default 30s.
	SaveInterval time.Duration `mapstructure:"save_interval"`
	// TemplateAttribute says which records carry log.pattern.template:
	// every_record (default), or on_change — the first record of a pattern
	// per day and whenever its template changes, for a store that keeps each
	// pattern's template itself (the embedded logstore). log.pattern.id is
	// on every mined record either way.
	TemplateAttribute string `mapstructure:"template_attribute"`

	_ struct{}
}

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	for _, l := range cfg.Levels {
		if _, ok := logquery.NormalizeLevel(l); !ok {
			errs = append(errs, fmt.Errorf("levels: %q is not a level (DEBUG, INFO, WARNING, ERROR, CRITICAL)", l))
		}
	}
	if cfg.Similarity <= 0 || cfg.Similarity > 1 {
		errs = append(errs, fmt.Errorf("similarity: must be in (0, 1], got %g", cfg.Similarity))
	}
	if cfg.MaxPatterns <= 0 || cfg.MaxTokens <= 0 || cfg.MaxMessageBytes <= 0 {
		errs = append(errs, errors.New("max_patterns, max_tokens and max_message_bytes: must be positive"))
	}
	if cfg.TemplateAttribute != TemplateEveryRecord && cfg.TemplateAttribute != TemplateOnChange {
		errs = append(errs, fmt.Errorf("template_attribute: must be %s or %s, got %q", TemplateEveryRecord, TemplateOnChange, cfg.TemplateAttribute))
	}
	if cfg.SaveInterval <= 0 {
		errs = append(errs, fmt.Errorf("save_interval: must be positive, got %s", cfg.SaveInterval))
	}
	return errors.Join(errs...)
}
