package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/paylog/paylog/extension/logstore"
	"github.com/paylog/paylog/internal/httpapi"
	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/tenant"
)

const (
	defaultLimit = 100
	maxLimit     = 1000
	maxParamLen  = 1024
)

// searchResponse is the seed's LogSearchResponse plus paging fields.
type searchResponse struct {
	Logs       []logquery.Record `json:"logs"`
	TotalCount uint64            `json:"total_count"`
	// TotalExact is false when counting stopped at the count limit: then at
	// least TotalCount records match.
	TotalExact bool    `json:"total_count_exact"`
	TookMS     float64 `json:"took_ms"`
	Limit      int     `json:"limit"`
	Offset     int     `json:"offset"`
	NextCursor *string `json:"next_cursor"`
}

// paramError is a bad query parameter; the handler answers 400 naming it.
type paramError struct {
	param string
	msg   string
}

func (e *paramError) Error() string { return e.param + ": " + e.msg }

func badParam(param, format string, args ...any) error {
	return &paramError{param: param, msg: fmt.Sprintf(format, args...)}
}

// writeStoreError answers a store failure: 400 for a request the store
// cannot answer as asked, 504 past the timeout, else 503.
func (s *searchAPI) writeStoreError(w http.ResponseWriter, route, id string, err error, took time.Duration) {
	var requestErr *logquery.RequestError
	if errors.As(err, &requestErr) {
		s.stats.record(route, http.StatusBadRequest, took)
		httpapi.WriteError(w, http.StatusBadRequest, httpapi.CodeInvalidParameter, requestErr.Param, requestErr.Error(), id)
		return
	}
	status := http.StatusServiceUnavailable
	msg := route + " failed: " + err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		status, msg = http.StatusGatewayTimeout, fmt.Sprintf("%s took longer than %s; narrow the time range or the query", route, s.cfg.SearchTimeout)
	} else if errors.Is(err, logstore.ErrNotStarted) {
		msg = "log store is not running"
	}
	s.stats.record(route, status, took)
	s.settings.Logger.Warn("Store query failed", zap.String("route", route), zap.String("correlation_id", id), zap.Error(err))
	httpapi.WriteUnavailable(w, status, time.Second, msg, id)
}

// writeParamError answers 400 naming the parameter.
func (s *searchAPI) writeParamError(w http.ResponseWriter, route, id string, err error, took time.Duration) {
	s.stats.record(route, http.StatusBadRequest, took)
	var pe *paramError
	if errors.As(err, &pe) {
		httpapi.WriteError(w, http.StatusBadRequest, httpapi.CodeInvalidParameter, pe.param, err.Error(), id)
		return
	}
	httpapi.WriteError(w, http.StatusBadRequest, httpapi.CodeInvalidParameter, "", err.Error(), id)
}

// serveStoreQuery answers a GET route that one store query serves: the
// request's tenant (401/403), its parameters (400 naming the bad one), the
// query within the search timeout (503/504), then 200 with its result.
func serveStoreQuery[Req, Res any](s *searchAPI, w http.ResponseWriter, r *http.Request, route string,
	parse func(url.Values, time.Time) (Req, error), query func(context.Context, Req, string) (Res, error),
) {
	start := time.Now()
	id := httpapi.CorrelationID(w, r)
	tenantName, ok := s.requestTenant(w, r, route, id, start)
	if !ok {
		return
	}
	req, err := parse(r.URL.Query(), start)
	if err != nil {
		s.writeParamError(w, route, id, err, time.Since(start))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.SearchTimeout)
	defer cancel()
	res, err := query(ctx, req, tenantName)
	if err != nil {
		s.writeStoreError(w, route, id, err, time.Since(start))
		return
	}
	s.stats.record(route, http.StatusOK, time.Since(start))
	httpapi.WriteJSON(w, http.StatusOK, res)
}

func (s *searchAPI) handleSearch(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := httpapi.CorrelationID(w, r)
	tenantName, ok := s.requestTenant(w, r, "search", id, start)
	if !ok {
		return
	}
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		var err error
		if params, err = searchParamsFromJSON(r); err != nil {
			s.stats.record("search", http.StatusBadRequest, time.Since(start))
			httpapi.WriteError(w, http.StatusBadRequest, httpapi.CodeInvalidJSON, "body", err.Error(), id)
			return
		}
	}
	req, err := parseSearchRequest(params, start, s.cfg.MaxOffset)
	if err != nil {
		s.writeParamError(w, "search", id, err, time.Since(start))
		return
	}
	req.Tenant = tenantName
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.SearchTimeout)
	defer cancel()
	res, err := s.store.Search(ctx, req)
	if err != nil {
		s.writeStoreError(w, "search", id, err, time.Since(start))
		return
	}
	resp := searchResponse{
		Logs:       res.Records,
		TotalCount: res.TotalCount,
		TotalExact: res.TotalExact,
		Limit:      req.Limit,
		Offset:     req.Offset,
	}
	if resp.Logs == nil {
		resp.Logs = []logquery.Record{}
	}
	if res.Next != nil {
		c := encodeCursor(res.Next)
		resp.NextCursor = &c
	}
	took := time.Since(start)
	resp.TookMS = float64(took.Microseconds()) / 1000
	s.stats.record("search", http.StatusOK, took)
	httpapi.WriteJSON(w, http.StatusOK, resp)
}

// parseSearchRequest turns the query string into one filter expression: the
// search string and every filter parameter, combined with AND.
func parseSearchRequest(q url.Values, now time.Time, maxOffset int) (*logquery.Request, error) {
	if err := checkParams(q); err != nil {
		return nil, err
	}
	filter, err := parseFilter(q)
	if err != nil {
		return nil, err
	}
	req := &logquery.Request{Filter: filter}
	if req.Start, req.End, err = parseTimeRange(q, now); err != nil {
		return nil, err
	}
	if req.Limit, err = intParam(q, "limit", defaultLimit, 1, maxLimit, ""); err != nil {
		return nil, err
	}
	if req.Offset, err = intParam(q, "offset", 0, 0, maxOffset, "; page deeper with cursor"); err != nil {
		return nil, err
	}
	// Counting every match of a broad search reads all of them; up to the
	// limit is enough for "10,000+ logs match", as Elasticsearch does.
	switch q.Get("exact_count") {
	case "", "false":
		req.CountLimit = logquery.DefaultCountLimit
	case "true":
	default:
		return nil, badParam("exact_count", "must be true or false")
	}
	switch strings.ToLower(q.Get("order")) {
	case "", "desc":
	case "asc":
		req.Ascending = true
	default:
		return nil, badParam("order", "must be desc or asc")
	}
	if v := q.Get("cursor"); v != "" {
		c, err := decodeCursor(v)
		if err != nil {
			return nil, badParam("cursor", "is not a cursor this API returned (next_cursor)")
		}
		req.After = c
		req.Offset = 0
	}
	return req, nil
}

// maxSearchBodyBytes bounds a POST /logs/search body.
const maxSearchBodyBytes = 64 << 10

// searchParamsFromJSON reads a POST /logs/search body — the seed's SearchQuery
// object, {"query": "error", "level": "ERROR", "limit": 50} — into the same
// parameters as the GET form. level may also be a list.
func searchParamsFromJSON(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSearchBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("request body could not be read: %w", err)
	}
	if len(body) > maxSearchBodyBytes {
		return nil, fmt.Errorf("request body is over %d bytes", maxSearchBodyBytes)
	}
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("request body must be a JSON object of search parameters: %w", err)
	}
	params := url.Values{}
	for name, v := range fields {
		switch t := v.(type) {
		case nil:
		case string:
			params.Set(name, t)
		case float64:
			params.Set(name, strconv.FormatFloat(t, 'f', -1, 64))
		case bool:
			params.Set(name, strconv.FormatBool(t))
		case []any:
			for _, item := range t {
				s, ok := item.(string)
				if !ok {
					return nil, fmt.Errorf("%s: list items must be strings", name)
				}
				params.Add(name, s)
			}
		default:
			return nil, fmt.Errorf("%s: must be a string, a number or a boolean", name)
		}
	}
	return params, nil
}

// checkParams rejects repeated parameters (level may repeat) and values
// over maxParamLen bytes (the search expression has its own bound).
// requestTenant returns the tenant the request acts for; when it may not
// act for the one it names, it answers the request and returns false.
func (s *searchAPI) requestTenant(w http.ResponseWriter, r *http.Request, route, id string, start time.Time) (string, bool) {
	name, err := tenant.FromRequest(r)
	if err != nil {
		s.stats.record(route, err.Status, time.Since(start))
		httpapi.TenantError(w, err.Status, err.Msg, id)
		return "", false
	}
	return name, true
}

// parseFilter builds the filter of a search (or histogram, or tail)
// request: the search expression and the level, service, source and
// trace_id parameters, all required.
func parseFilter(q url.Values) (logquery.Node, error) {
	expr, err := logquery.Parse(q.Get("query"))
	if err != nil {
		return nil, badParam("query", "%s", err.Error())
	}
	filters := []logquery.Node{expr}
	if levels := q["level"]; len(levels) > 0 {
		filter, err := levelFilter(levels)
		if err != nil {
			return nil, err
		}
		filters = append(filters, filter)
	}
	for _, field := range []string{logquery.FieldService, logquery.FieldSource} {
		if v := q.Get(field); v != "" {
			filters = append(filters, &logquery.Term{Field: field, Value: v})
		}
	}
	if v := q.Get("trace_id"); v != "" {
		if !isHex(v, 32) {
			return nil, badParam("trace_id", "must be 32 hexadecimal characters")
		}
		filters = append(filters, &logquery.Term{Field: logquery.FieldTraceID, Value: strings.ToLower(v)})
	}
	return logquery.AndOf(filters...), nil
}

// parseTimeRange reads start_time and end_time; zero when absent.
func parseTimeRange(q url.Values, now time.Time) (start, end time.Time, err error) {
	if v := q.Get("start_time"); v != "" {
		if start, err = logquery.ParseTimeParam(v, now); err != nil {
			return start, end, badParam("start_time", "%s", err.Error())
		}
	}
	if v := q.Get("end_time"); v != "" {
		if end, err = logquery.ParseTimeParam(v, now); err != nil {
			return start, end, badParam("end_time", "%s", err.Error())
		}
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		return start, end, badParam("end_time", "must not be before start_time")
	}
	return start, end, nil
}

func checkParams(q url.Values) error {
	for name, values := range q {
		if len(values) > 1 && name != "level" {
			return badParam(name, "given more than once")
		}
		for _, v := range values {
			if len(v) > maxParamLen && name != "query" {
				return badParam(name, "longer than %d bytes", maxParamLen)
			}
		}
	}
	return nil
}

// intParam reads a whole-number parameter in [lo, hi]; def when absent.
func intParam(q url.Values, name string, def, lo, hi int, hint string) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badParam(name, "must be a whole number from %d to %d%s", lo, hi, hint)
	}
	return n, nil
}

// levelFilter turns level parameters (each one level or a comma list) into
// one alternative of level terms; nil when they name no level.
func levelFilter(values []string) (logquery.Node, error) {
	var alternatives []logquery.Node
	for _, l := range strings.Split(strings.Join(values, ","), ",") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		level, ok := logquery.NormalizeLevel(l)
		if !ok {
			return nil, badParam("level", "%q is not a level (use DEBUG, INFO, WARNING, ERROR or CRITICAL, or a comma list)", l)
		}
		alternatives = append(alternatives, &logquery.Term{Field: logquery.FieldLevel, Value: level})
	}
	if len(alternatives) == 0 {
		return nil, nil
	}
	return logquery.OrOf(alternatives...), nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func encodeCursor(c *logquery.Cursor) string {
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(s string) (*logquery.Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c logquery.Cursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	if c.Time.IsZero() || c.Skip < 0 {
		return nil, errors.New("incomplete cursor")
	}
	return &c, nil
}
