package elasticsearch

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Health is what the last check saw.
type Health struct {
	// ClusterStatus is green, yellow or red; empty before a check answered.
	ClusterStatus string
	// Documents is the number of documents in the index; -1 before a check
	// answered.
	Documents int64
}

// Check asks for the cluster's health and the index's document count. A red
// cluster (a primary shard unassigned: searches would miss data) fails the
// check; yellow (replicas unassigned, as on a single node) does not.
func (c *Client) Check(ctx context.Context) error {
	seen := c.Health()
	defer func() { c.health.Store(&seen) }()
	var health struct {
		ClusterName string `json:"cluster_name"`
		Status      string `json:"status"`
		TimedOut    bool   `json:"timed_out"`
	}
	if err := c.do(ctx, http.MethodGet, "/_cluster/health", nil, nil, &health); err != nil {
		seen.ClusterStatus = ""
		return err
	}
	seen.ClusterStatus = health.Status
	if health.Status != "green" && health.Status != "yellow" {
		return fmt.Errorf("elasticsearch cluster %q is %s: some data cannot be searched", health.ClusterName, health.Status)
	}
	var count struct {
		Count int64 `json:"count"`
	}
	if err := c.do(ctx, http.MethodGet, c.indexPath+"/_count", url.Values{
		"ignore_unavailable": {"true"}, "allow_no_indices": {"true"},
	}, nil, &count); err != nil {
		return err
	}
	seen.Documents = count.Count
	return nil
}

// Health returns what the last check saw.
func (c *Client) Health() Health {
	if h := c.health.Load(); h != nil {
		return *h
	}
	return Health{Documents: -1}
}
