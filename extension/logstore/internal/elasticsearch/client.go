// Package elasticsearch is the logstore extension's read side on
// Elasticsearch: searches, pattern aggregations and cluster health over the
// documents the contrib elasticsearch exporter writes in its otel mapping
// mode. It speaks the REST API with net/http.
package elasticsearch // import "github.com/paylog/paylog/extension/logstore/internal/elasticsearch"

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Config is what the client needs; the extension's config fills it.
type Config struct {
	// Endpoints are the cluster's base URLs; a request that cannot reach one
	// tries the next.
	Endpoints []string
	// Index is the index, data stream, alias or pattern searched.
	Index string
	// APIKey is sent as "Authorization: ApiKey <APIKey>" (the encoded id:key
	// Elasticsearch returns). Username and Password are basic auth instead.
	APIKey             string
	Username, Password string
	// TLS is used for https endpoints; nil means the system's defaults.
	TLS *tls.Config
	// Timeout bounds one HTTP request.
	Timeout time.Duration
	// CursorKeepAlive is how long a point in time (the search_after cursor's
	// snapshot) is kept between two pages.
	CursorKeepAlive time.Duration
	// MaxResultWindow is the index's index.max_result_window: offset+limit
	// beyond it cannot be served by from/size.
	MaxResultWindow int
}

// Client talks to one Elasticsearch cluster. It is safe for concurrent use.
type Client struct {
	cfg       Config
	http      *http.Client
	next      atomic.Uint32
	indexPath string
	health    atomic.Pointer[Health] // what the last check saw
}

// New returns a client; it does not contact the cluster.
func New(cfg Config) (*Client, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("no endpoints")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = cfg.TLS
	transport.MaxIdleConnsPerHost = 16
	c := &Client{
		cfg:       cfg,
		http:      &http.Client{Transport: transport, Timeout: cfg.Timeout},
		indexPath: "/" + url.PathEscape(cfg.Index),
	}
	return c, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Error is an error answer of Elasticsearch: its HTTP status, the type and
// reason of its error object, and the type of its first root cause.
type Error struct {
	Status        int
	Type          string
	Reason        string
	RootCauseType string
}

func (e *Error) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("elasticsearch answered HTTP %d: %s", e.Status, e.Reason)
	}
	return fmt.Sprintf("elasticsearch answered HTTP %d %s: %s", e.Status, e.Type, e.Reason)
}

// Is lets callers test for an error type with errors.Is(err, &Error{Type: t}):
// it matches the error's type or its root cause's.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type != "" && (t.Type == e.Type || t.Type == e.RootCauseType)
}

// UnreachableError is a request no endpoint answered.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return "elasticsearch is unreachable: " + e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// errorBody is Elasticsearch's error answer:
// {"error": {"root_cause": [...], "type": "...", "reason": "..."}, "status": 400}.
// Some APIs answer a plain string error instead of the object.
type errorBody struct {
	Error json.RawMessage `json:"error"`
}

type errorObject struct {
	Type      string `json:"type"`
	Reason    string `json:"reason"`
	RootCause []struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"root_cause"`
	CausedBy *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"caused_by"`
}

func parseError(status int, body []byte) error {
	e := &Error{Status: status}
	var b errorBody
	if json.Unmarshal(body, &b) != nil || len(b.Error) == 0 {
		e.Reason = strings.TrimSpace(string(truncate(body, 512)))
		return e
	}
	var obj errorObject
	if json.Unmarshal(b.Error, &obj) != nil {
		var text string
		_ = json.Unmarshal(b.Error, &text)
		e.Reason = text
		return e
	}
	e.Type, e.Reason = obj.Type, obj.Reason
	if len(obj.RootCause) > 0 {
		e.RootCauseType = obj.RootCause[0].Type
	}
	// A search_phase_execution_exception says "all shards failed"; the
	// root cause says why.
	if len(obj.RootCause) > 0 && obj.RootCause[0].Reason != "" && obj.RootCause[0].Type != obj.Type {
		e.Reason += " (" + obj.RootCause[0].Type + ": " + obj.RootCause[0].Reason + ")"
	} else if obj.CausedBy != nil && obj.CausedBy.Reason != "" {
		e.Reason += " (" + obj.CausedBy.Type + ": " + obj.CausedBy.Reason + ")"
	}
	return e
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// maxResponseBytes bounds a response body: a page of 1,000 large records
// fits many times over.
const maxResponseBytes = 256 << 20

// do sends one request and decodes a 2xx JSON answer into out (when not
// nil). Endpoints are tried in turn, starting with a different one each call,
// until one answers; an HTTP answer, even an error, ends the tries.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	first := int(c.next.Add(1))
	var lastErr error
	for i := range c.cfg.Endpoints {
		endpoint := c.cfg.Endpoints[(first+i)%len(c.cfg.Endpoints)]
		resp, err := c.send(ctx, method, endpoint, path, query, payload)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = err
			continue
		}
		return decode(resp, out)
	}
	return &UnreachableError{Err: lastErr}
}

func (c *Client) send(ctx context.Context, method, endpoint, path string, query url.Values, payload []byte) (*http.Response, error) {
	u := strings.TrimRight(endpoint, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case c.cfg.APIKey != "":
		req.Header.Set("Authorization", "ApiKey "+c.cfg.APIKey)
	case c.cfg.Username != "":
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	}
	return c.http.Do(req)
}

func decode(resp *http.Response, out any) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("read elasticsearch answer: %w", err)
	}
	if len(body) > maxResponseBytes {
		return fmt.Errorf("elasticsearch answer is over %d bytes", maxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseError(resp.StatusCode, body)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("elasticsearch answer is not the JSON expected: %w", err)
	}
	return nil
}

// keepAlive is CursorKeepAlive as Elasticsearch writes durations.
func (c *Client) keepAlive() string {
	return fmt.Sprintf("%ds", max(int(c.cfg.CursorKeepAlive/time.Second), 1))
}
