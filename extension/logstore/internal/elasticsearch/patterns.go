package elasticsearch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/paylog/paylog/internal/logquery"
)

const (
	fieldPatternID = "attributes." + logquery.AttrPatternID
	fieldService   = "resource.attributes.service.name"
	// maxPatternServices caps the services listed per pattern, as the
	// embedded store does.
	maxPatternServices = 20
)

// patternsResponse is the part of the aggregation answer read here.
type patternsResponse struct {
	Shards       shards `json:"_shards"`
	Aggregations struct {
		Patterns struct {
			Buckets []patternBucket `json:"buckets"`
		} `json:"patterns"`
	} `json:"aggregations"`
}

type patternBucket struct {
	Key       string     `json:"key"`
	DocCount  uint64     `json:"doc_count"`
	FirstSeen timeMetric `json:"first_seen"`
	LastSeen  timeMetric `json:"last_seen"`
	Services  struct {
		Buckets []struct {
			Key string `json:"key"`
		} `json:"buckets"`
	} `json:"services"`
	Newest struct {
		Hits struct {
			Hits []hit `json:"hits"`
		} `json:"hits"`
	} `json:"newest"`
}

// timeMetric is a min or max aggregation of a date field.
type timeMetric struct {
	ValueAsString string `json:"value_as_string"`
}

// Patterns aggregates the matching documents by pattern id in Elasticsearch
// (one terms aggregation, no documents fetched besides each pattern's
// newest): counts, first and last seen, services, and the newest document's
// template and message. Counts are exact on one shard; across several,
// Elasticsearch's terms counts are approximate for patterns near the
// cut-off, which shard_size keeps far below the returned ones.
func (c *Client) Patterns(ctx context.Context, req *logquery.PatternsRequest) ([]logquery.PatternSummary, error) {
	var resp patternsResponse
	err := c.do(ctx, http.MethodPost, c.indexPath+"/_search", url.Values{
		"ignore_unavailable": {"true"}, "allow_no_indices": {"true"}, "allow_partial_search_results": {"false"},
	}, c.patternsBody(req), &resp)
	if err != nil {
		return nil, err
	}
	if err := resp.Shards.err(); err != nil {
		return nil, err
	}
	results := make([]logquery.PatternSummary, 0, len(resp.Aggregations.Patterns.Buckets))
	for _, b := range resp.Aggregations.Patterns.Buckets {
		s, err := b.summary()
		if err != nil {
			return nil, fmt.Errorf("elasticsearch pattern %s: %w", b.Key, err)
		}
		results = append(results, s)
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].Count != results[j].Count {
			return results[i].Count > results[j].Count
		}
		return results[i].PatternID < results[j].PatternID
	})
	return results, nil
}

func (c *Client) patternsBody(req *logquery.PatternsRequest) map[string]any {
	query := filterQuery(req.Filter, req.Tenant, req.Start, req.End, map[string]any{"exists": map[string]any{"field": fieldPatternID}})
	return map[string]any{
		"size":  0,
		"query": query,
		"aggs": map[string]any{
			"patterns": map[string]any{
				"terms": map[string]any{
					"field":      fieldPatternID,
					"size":       req.Limit,
					"shard_size": req.Limit*4 + 100,
					"order":      []any{map[string]any{"_count": "desc"}, map[string]any{"_key": "asc"}},
				},
				"aggs": map[string]any{
					"first_seen": map[string]any{"min": map[string]any{"field": fieldTimestamp, "format": timeFormat}},
					"last_seen":  map[string]any{"max": map[string]any{"field": fieldTimestamp, "format": timeFormat}},
					"services":   map[string]any{"terms": map[string]any{"field": fieldService, "size": maxPatternServices, "order": map[string]any{"_key": "asc"}}},
					"newest": map[string]any{"top_hits": map[string]any{
						"size": 1,
						"sort": []any{map[string]any{fieldTimestamp: map[string]any{"order": "desc", "format": timeFormat, "numeric_type": "date_nanos"}}},
						"_source": map[string]any{"includes": []string{
							"@timestamp", "body", "attributes." + logquery.AttrPatternTemplate,
						}},
					}},
				},
			},
		},
	}
}

func (b *patternBucket) summary() (logquery.PatternSummary, error) {
	s := logquery.PatternSummary{PatternID: b.Key, Count: b.DocCount, Services: make([]string, 0, len(b.Services.Buckets))}
	var err error
	if s.FirstSeen, err = aggregatedTime(b.FirstSeen); err != nil {
		return s, fmt.Errorf("first_seen: %w", err)
	}
	if s.LastSeen, err = aggregatedTime(b.LastSeen); err != nil {
		return s, fmt.Errorf("last_seen: %w", err)
	}
	for _, svc := range b.Services.Buckets {
		s.Services = append(s.Services, svc.Key)
	}
	sort.Strings(s.Services)
	if hits := b.Newest.Hits.Hits; len(hits) > 0 {
		d := &hits[0].Source
		s.Sample = d.message()
		s.Pattern = stringValue(d.Attributes[logquery.AttrPatternTemplate])
	}
	return s, nil
}

func aggregatedTime(m timeMetric) (time.Time, error) {
	if m.ValueAsString == "" {
		return time.Time{}, errors.New("missing")
	}
	return timeText(m.ValueAsString)
}
