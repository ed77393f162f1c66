package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// searchCase is one search of the mix; path picks its request for run i.
type searchCase struct {
	name string
	path func(i int) string
}

// searchMix is the searches users run most: a word within a level, one
// service's last hour, a phrase, one trace, and the day's error patterns.
func searchMix(cp *corpus) []searchCase {
	services := cp.services
	if len(services) == 0 {
		services = []string{"payment-service"}
	}
	mix := []searchCase{
		{"term + level", func(int) string {
			return "/logs/search?" + url.Values{"query": {"failed"}, "level": {"ERROR"}}.Encode()
		}},
		{"service + last hour", func(i int) string {
			return "/logs/search?" + url.Values{"service": {services[i%len(services)]}, "start_time": {"now-1h"}}.Encode()
		}},
		{"phrase", func(int) string {
			return "/logs/search?" + url.Values{"query": {`"connection failed"`}}.Encode()
		}},
	}
	if len(cp.traceIDs) > 0 {
		mix = append(mix, searchCase{"trace id", func(i int) string {
			return "/logs/search?" + url.Values{"trace_id": {cp.traceIDs[i%len(cp.traceIDs)]}}.Encode()
		}})
	}
	return append(mix, searchCase{"patterns 24h", func(int) string { return "/logs/patterns?hours=24" }})
}

// runSearches runs each search of the mix o.Searches times, one at a time.
func runSearches(ctx context.Context, o *options, c *client, cp *corpus, p *progress) []SearchResult {
	p.phase("searches")
	var results []SearchResult
	for _, sc := range searchMix(cp) {
		r := SearchResult{Name: sc.name, Example: sc.path(0), Runs: o.Searches}
		var latencies []time.Duration
		for i := range o.Searches {
			if ctx.Err() != nil {
				break
			}
			p.update(fmt.Sprintf("searches: %s %d/%d", sc.name, i+1, o.Searches))
			t0 := time.Now()
			status, raw := c.do(ctx, http.MethodGet, sc.path(i), nil, nil)
			took := time.Since(t0)
			if status != http.StatusOK {
				r.Errors++
				continue
			}
			latencies = append(latencies, took)
			if i == 0 {
				r.Hits = hits(raw)
			}
		}
		r.Latency = percentiles(latencies)
		results = append(results, r)
	}
	return results
}

// hits is a search's total_count, or the number of patterns listed.
func hits(raw []byte) int64 {
	var search struct {
		TotalCount *int64 `json:"total_count"`
	}
	if json.Unmarshal(raw, &search) == nil && search.TotalCount != nil {
		return *search.TotalCount
	}
	var patterns []json.RawMessage
	if json.Unmarshal(raw, &patterns) == nil {
		return int64(len(patterns))
	}
	return 0
}
