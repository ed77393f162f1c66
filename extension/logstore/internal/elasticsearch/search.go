package elasticsearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/tenant"
)

// Document fields of the otel mapping mode that searches read or sort on.
const (
	fieldTimestamp = "@timestamp"
	// timeFormat makes Elasticsearch write sort values and aggregated times
	// as RFC 3339 text with nanoseconds: a long of nanoseconds would not
	// survive a float64.
	timeFormat = "strict_date_optional_time_nanos"
)

var (
	errIndexNotFound  = &Error{Type: "index_not_found_exception"}
	errContextMissing = &Error{Type: "search_context_missing_exception"}
)

// shards is a search answer's _shards: a failed shard means results are
// missing, which is an error here, never a silently short page.
type shards struct {
	Total  int `json:"total"`
	Failed int `json:"failed"`
}

func (s shards) err() error {
	if s.Failed > 0 {
		return fmt.Errorf("elasticsearch: %d of %d shards failed", s.Failed, s.Total)
	}
	return nil
}

// searchResponse is the part of a _search answer read here.
type searchResponse struct {
	PITID  string `json:"pit_id"`
	Shards shards `json:"_shards"`
	Hits   struct {
		Total struct {
			Value    uint64 `json:"value"`
			Relation string `json:"relation"`
		} `json:"total"`
		Hits []hit `json:"hits"`
	} `json:"hits"`
}

// Search runs one request. Pages are read from a point in time (PIT) of the
// index, sorted by @timestamp then _shard_doc, so deep pages continue with
// search_after exactly where the previous page ended even while documents
// arrive; the cursor carries the PIT and the last sort values. The PIT is
// closed when a page is the last one, else it expires CursorKeepAlive after
// the newest page.
func (c *Client) Search(ctx context.Context, req *logquery.Request) (*logquery.Result, error) {
	if req.After == nil && req.Offset+req.Limit > c.cfg.MaxResultWindow {
		return nil, &logquery.RequestError{Param: "offset", Message: fmt.Sprintf(
			"offset+limit must be at most %d on Elasticsearch (index.max_result_window); page deeper with cursor",
			c.cfg.MaxResultWindow)}
	}
	pit := ""
	if req.After != nil {
		if req.After.PIT == "" || len(req.After.SortValues) == 0 {
			return nil, &logquery.RequestError{Param: "cursor", Message: "is not a cursor of this Elasticsearch backend"}
		}
		pit = req.After.PIT
	} else {
		var err error
		if pit, err = c.openPIT(ctx); errors.Is(err, errIndexNotFound) {
			// Nothing was written yet.
			return &logquery.Result{}, nil
		} else if err != nil {
			return nil, err
		}
	}

	body := c.searchBody(req, pit)
	var resp searchResponse
	err := c.do(ctx, http.MethodPost, "/_search", url.Values{"allow_partial_search_results": {"false"}}, body, &resp)
	if errors.Is(err, errContextMissing) && req.After != nil {
		return nil, &logquery.RequestError{Param: "cursor", Message: fmt.Sprintf(
			"has expired: Elasticsearch keeps a cursor's snapshot for %s after a page; search again without it", c.cfg.CursorKeepAlive)}
	}
	if err != nil {
		if req.After == nil {
			c.closePIT(pit)
		}
		return nil, err
	}
	if err := resp.Shards.err(); err != nil {
		return nil, err
	}

	result := &logquery.Result{
		TotalCount: resp.Hits.Total.Value,
		// "gte": Elasticsearch stopped counting at track_total_hits.
		TotalExact: resp.Hits.Total.Relation != "gte",
		Records:    make([]logquery.Record, 0, len(resp.Hits.Hits)),
	}
	for _, h := range resp.Hits.Hits {
		r, err := h.record()
		if err != nil {
			return nil, fmt.Errorf("elasticsearch document %s: %w", h.ID, err)
		}
		result.Records = append(result.Records, r)
	}
	if resp.PITID != "" {
		pit = resp.PITID
	}
	// Records up to the end of this page, counted in the cursor's Skip.
	seen := req.Offset + len(resp.Hits.Hits)
	if req.After != nil {
		seen = req.After.Skip + len(resp.Hits.Hits)
	}
	if n := len(resp.Hits.Hits); n > 0 && n == req.Limit && (!result.TotalExact || uint64(seen) < result.TotalCount) {
		result.Next = &logquery.Cursor{Time: result.Records[n-1].Timestamp, Skip: seen, PIT: pit, SortValues: resp.Hits.Hits[n-1].Sort}
	} else {
		c.closePIT(pit)
	}
	return result, nil
}

// searchBody is the _search request of one page.
func (c *Client) searchBody(req *logquery.Request, pit string) map[string]any {
	order := "desc"
	if req.Ascending {
		order = "asc"
	}
	var trackTotalHits any = true
	if req.CountLimit > 0 {
		trackTotalHits = req.CountLimit
	}
	body := map[string]any{
		"size":             req.Limit,
		"query":            filterQuery(req.Filter, req.Tenant, req.Start, req.End),
		"track_total_hits": trackTotalHits,
		"sort": []any{
			map[string]any{fieldTimestamp: map[string]any{"order": order, "format": timeFormat, "numeric_type": "date_nanos"}},
			map[string]any{"_shard_doc": order},
		},
		"pit": map[string]any{"id": pit, "keep_alive": c.keepAlive()},
	}
	if req.After != nil {
		body["search_after"] = req.After.SortValues
	} else if req.Offset > 0 {
		body["from"] = req.Offset
	}
	return body
}

// filterQuery is the search expression within the time range and the more
// clauses given, as a filter (no scoring: results are ordered by time).
func filterQuery(filter logquery.Node, tenantName string, start, end time.Time, more ...any) map[string]any {
	clauses := []any{logquery.ToElasticsearch(filter), tenantClause(tenantName)}
	if !start.IsZero() || !end.IsZero() {
		bounds := map[string]any{"format": timeFormat}
		if !start.IsZero() {
			bounds["gte"] = start.UTC().Format(time.RFC3339Nano)
		}
		if !end.IsZero() {
			bounds["lte"] = end.UTC().Format(time.RFC3339Nano)
		}
		clauses = append(clauses, map[string]any{"range": map[string]any{fieldTimestamp: bounds}})
	}
	return map[string]any{"bool": map[string]any{"filter": append(clauses, more...)}}
}

// fieldTenant is where the exporter's otel mapping puts the resource
// attribute the API stamps with the request's tenant.
const fieldTenant = "resource.attributes." + tenant.ResourceAttribute

// tenantClause keeps a search to one tenant's documents: those stamped with
// its name, or for the default tenant those stamped with none.
func tenantClause(name string) map[string]any {
	if name == "" {
		return map[string]any{"bool": map[string]any{"must_not": map[string]any{"exists": map[string]any{"field": fieldTenant}}}}
	}
	return map[string]any{"term": map[string]any{fieldTenant: name}}
}

func (c *Client) openPIT(ctx context.Context) (string, error) {
	var resp struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, c.indexPath+"/_pit", url.Values{"keep_alive": {c.keepAlive()}}, nil, &resp); err != nil {
		return "", err
	}
	if resp.ID == "" {
		return "", errors.New("elasticsearch opened a point in time without an id")
	}
	return resp.ID, nil
}

// closePIT releases a point in time no cursor refers to, in the background:
// the answer does not wait for it, and a failure only lets it expire.
func (c *Client) closePIT(pit string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
		defer cancel()
		_ = c.do(ctx, http.MethodDelete, "/_pit", nil, map[string]any{"id": pit}, nil)
	}()
}

// documentTime reads a raw JSON time: RFC 3339 text, the exporter's
// "<epoch millis>.<nanos>" text, or a number of epoch milliseconds.
func documentTime(raw json.RawMessage) (time.Time, error) {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		var millis json.Number
		if err := json.Unmarshal(raw, &millis); err != nil {
			return time.Time{}, fmt.Errorf("timestamp %s is neither text nor a number", raw)
		}
		text = millis.String()
	}
	return timeText(text)
}

// timeText reads RFC 3339 text or the exporter's epoch-milliseconds text.
func timeText(text string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		return t.UTC(), nil
	}
	return epochMillisText(text)
}
