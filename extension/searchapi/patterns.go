package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/paylog/paylog/internal/logquery"
)

const (
	defaultPatternHours = 24
	maxPatternHours     = 24 * 366
	defaultPatternLimit = 50
)

// defaultPatternLevels are the levels /logs/patterns counts unless told otherwise.
var defaultPatternLevels = []string{"ERROR", "CRITICAL"}

// handlePatterns serves GET /logs/patterns: the most frequent patterns of
// the last hours, as the seed's ErrorPattern list plus ids, sample and services.
func (s *searchAPI) handlePatterns(w http.ResponseWriter, r *http.Request) {
	serveStoreQuery(s, w, r, "patterns", parsePatternsRequest,
		func(ctx context.Context, req *logquery.PatternsRequest, tenant string) ([]logquery.PatternSummary, error) {
			req.Tenant = tenant
			patterns, err := s.store.Patterns(ctx, req)
			if patterns == nil {
				patterns = []logquery.PatternSummary{}
			}
			return patterns, err
		})
}

func parsePatternsRequest(q url.Values, now time.Time) (*logquery.PatternsRequest, error) {
	if err := checkParams(q); err != nil {
		return nil, err
	}
	hours, err := intParam(q, "hours", defaultPatternHours, 1, maxPatternHours, "")
	if err != nil {
		return nil, err
	}
	limit, err := intParam(q, "limit", defaultPatternLimit, 1, maxLimit, "")
	if err != nil {
		return nil, err
	}
	expr, err := logquery.Parse(q.Get("query"))
	if err != nil {
		return nil, badParam("query", "%s", err.Error())
	}
	filters := []logquery.Node{expr}

	levels := defaultPatternLevels
	if given := q["level"]; len(given) > 0 {
		levels = given
	}
	levelNode, err := levelFilter(levels)
	if err != nil {
		return nil, err
	}
	filters = append(filters, levelNode)
	if v := q.Get("service"); v != "" {
		filters = append(filters, &logquery.Term{Field: logquery.FieldService, Value: v})
	}
	return &logquery.PatternsRequest{
		Filter: logquery.AndOf(filters...),
		Start:  now.Add(-time.Duration(hours) * time.Hour),
		End:    now,
		Limit:  limit,
	}, nil
}
