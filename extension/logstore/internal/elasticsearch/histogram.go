package elasticsearch

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/paylog/paylog/internal/logquery"
)

// otherLevel takes the documents no level filter matches: a record with
// neither a severity number nor a known text is INFO, as the embedded store
// and the search results have it.
const otherLevel = "INFO"

type histogramResponse struct {
	Shards       shards `json:"_shards"`
	Aggregations struct {
		Histogram struct {
			Buckets []struct {
				Key    int64 `json:"key"` // epoch milliseconds
				Levels struct {
					Buckets map[string]struct {
						DocCount uint64 `json:"doc_count"`
					} `json:"buckets"`
				} `json:"levels"`
			} `json:"buckets"`
		} `json:"histogram"`
	} `json:"aggregations"`
}

// Histogram counts the matching documents per time bucket and level: a
// date_histogram on @timestamp (fixed interval, aligned to the epoch as the
// request's start is) with a filters aggregation of the level bands.
func (c *Client) Histogram(ctx context.Context, req *logquery.HistogramRequest) (*logquery.Histogram, error) {
	var resp histogramResponse
	err := c.do(ctx, http.MethodPost, c.indexPath+"/_search", url.Values{
		"ignore_unavailable": {"true"}, "allow_no_indices": {"true"}, "allow_partial_search_results": {"false"},
	}, histogramBody(req), &resp)
	if err != nil {
		return nil, err
	}
	if err := resp.Shards.err(); err != nil {
		return nil, err
	}
	h := logquery.NewHistogram(req)
	for _, b := range resp.Aggregations.Histogram.Buckets {
		at := time.UnixMilli(b.Key).UTC()
		for level, count := range b.Levels.Buckets {
			h.Add(at, level, count.DocCount)
		}
	}
	return h, nil
}

func histogramBody(req *logquery.HistogramRequest) map[string]any {
	levels := map[string]any{}
	for _, level := range logquery.Levels {
		if level != otherLevel {
			levels[level] = logquery.ToElasticsearch(&logquery.Term{Field: logquery.FieldLevel, Value: level})
		}
	}
	end := req.End.Add(-time.Nanosecond) // the range is [start, end)
	return map[string]any{
		"size":  0,
		"query": filterQuery(req.Filter, req.Tenant, req.Start, end),
		"aggs": map[string]any{
			"histogram": map[string]any{
				"date_histogram": map[string]any{
					"field":          fieldTimestamp,
					"fixed_interval": fmt.Sprintf("%dms", req.Interval.Milliseconds()),
					"min_doc_count":  1,
				},
				"aggs": map[string]any{
					"levels": map[string]any{"filters": map[string]any{"filters": levels, "other_bucket_key": otherLevel}},
				},
			},
		},
	}
}
