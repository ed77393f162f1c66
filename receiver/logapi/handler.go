package logapi // import "github.com/paylog/paylog/receiver/logapi"

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"

	"github.com/paylog/paylog/internal/httpapi"
	"github.com/paylog/paylog/internal/tenant"
)

// ingestResponse is the seed's IngestResponse; batch answers add the counts
// and per-entry errors.
type ingestResponse struct {
	Success         bool         `json:"success"`
	Message         string       `json:"message"`
	CorrelationID   string       `json:"correlation_id"`
	BatchID         *string      `json:"batch_id,omitempty"`
	Accepted        *int         `json:"accepted,omitempty"`
	Rejected        *int         `json:"rejected,omitempty"`
	Errors          []EntryError `json:"errors,omitempty"`
	ErrorsTruncated bool         `json:"errors_truncated,omitempty"`
	// Code and Field are set when nothing was accepted (the error shape).
	Code  string `json:"error,omitempty"`
	Field string `json:"field,omitempty"`
}

type bodyFormat int

const (
	formatJSON bodyFormat = iota
	formatNDJSON
)

var parserPool fastjson.ParserPool

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// requestError is an error about the whole request.
type requestError struct {
	status int
	code   string
	field  string
	msg    string
}

func (r *logAPIReceiver) handleIngest(w http.ResponseWriter, req *http.Request) {
	r.handleCounted(w, req, false)
}

func (r *logAPIReceiver) handleBatchIngest(w http.ResponseWriter, req *http.Request) {
	r.handleCounted(w, req, true)
}

// handleCounted answers the request and counts it and its entries.
func (r *logAPIReceiver) handleCounted(w http.ResponseWriter, req *http.Request, batch bool) {
	rec := &statusRecorder{ResponseWriter: w}
	d := r.handle(rec, req, batch)
	route := pathIngest
	if batch {
		route = pathBatchIngest
	}
	var accepted int
	var rejectedBy map[string]int
	if d != nil {
		accepted, rejectedBy = d.accepted, d.rejectedBy
	}
	r.stats.request(route, rec.status, accepted, rejectedBy)
}

// handle answers one ingest request; it returns the decoder of the entries
// when the body was read and decoded.
func (r *logAPIReceiver) handle(w http.ResponseWriter, req *http.Request, batch bool) *batchDecoder {
	now := time.Now()
	id := httpapi.CorrelationID(w, req)
	tenantName, terr := tenant.FromRequest(req)
	if terr != nil {
		httpapi.TenantError(w, terr.Status, terr.Msg, id)
		return nil
	}
	format, rerr := contentFormat(req.Header.Get("Content-Type"), batch)
	if rerr != nil {
		r.writeRequestError(w, rerr, id)
		return nil
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer bodyPool.Put(buf)
	buf.Reset()
	if rerr := r.readBody(req, buf); rerr != nil {
		r.writeRequestError(w, rerr, id)
		return nil
	}

	// A UTF-8 byte order mark is legal in front of JSON text (RFC 8259 §8.1
	// lets parsers ignore it); some Windows clients send one.
	body := bytes.TrimPrefix(buf.Bytes(), utf8BOM)

	d := newBatchDecoder(r.cfg.Limits, now, id)
	d.tenant = tenantName
	parser := parserPool.Get()
	defer parserPool.Put(parser)
	var batchID *string
	switch {
	case format == formatNDJSON:
		rerr = r.decodeNDJSON(parser, body, d)
	case batch:
		batchID, rerr = r.decodeBatchJSON(parser, body, d)
	default:
		rerr = decodeSingleJSON(parser, body, d)
	}
	if rerr != nil {
		r.writeRequestError(w, rerr, id)
		return d
	}

	resp := ingestResponse{CorrelationID: id, BatchID: batchID}
	if batch {
		resp.Accepted, resp.Rejected = &d.accepted, &d.rejected
		resp.Errors, resp.ErrorsTruncated = d.errors, d.truncated
	}
	if d.accepted == 0 {
		resp.Code = httpapi.CodeInvalidField
		resp.Errors = d.errors
		resp.Message = rejectionMessage(d)
		if len(d.errors) > 0 {
			resp.Field = d.errors[0].Field
		}
		httpapi.WriteJSON(w, http.StatusBadRequest, resp)
		return d
	}

	if r.limiter != nil {
		if wait := r.limiter.take(clientKey(req, tenantName), d.accepted, now); wait > 0 {
			httpapi.WriteUnavailable(w, http.StatusTooManyRequests, wait,
				fmt.Sprintf("rate limit: this client may send %g entries per second; nothing of this request was stored, retry after the delay", r.cfg.RateLimit.EntriesPerSecond), id)
			return d
		}
	}

	ctx := r.obsrecv.StartLogsOp(req.Context())
	var err error
	if batch {
		err = r.next.ConsumeLogs(ctx, d.logs)
	} else {
		err = r.singles.consume(ctx, d.logs, d.accepted)
	}
	r.obsrecv.EndLogsOp(ctx, "json", d.accepted, err)
	if err != nil {
		r.writePipelineError(w, err, id)
		return d
	}
	resp.Success = true
	switch {
	case !batch:
		resp.Message = "Log entry ingested"
	case d.rejected == 0:
		resp.Message = fmt.Sprintf("Batch of %d log entries ingested", d.accepted)
	default:
		resp.Message = fmt.Sprintf("%d of %d log entries ingested; %d rejected (see errors)", d.accepted, d.accepted+d.rejected, d.rejected)
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return d
}

func rejectionMessage(d *batchDecoder) string {
	if len(d.errors) == 0 {
		return "no log entries were accepted"
	}
	if d.rejected == 1 {
		return d.errors[0].Message
	}
	return fmt.Sprintf("all %d log entries were rejected; first: %s", d.rejected, d.errors[0].Message)
}

// contentFormat maps Content-Type to a body format. A missing type is JSON.
func contentFormat(contentType string, batch bool) (bodyFormat, *requestError) {
	if contentType == "" {
		return formatJSON, nil
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType = ""
	}
	switch mediaType {
	case "application/json":
		return formatJSON, nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		if batch {
			return formatNDJSON, nil
		}
	}
	accepted := "application/json"
	if batch {
		accepted = "application/json or application/x-ndjson"
	}
	return 0, &requestError{status: http.StatusUnsupportedMediaType, code: httpapi.CodeUnsupportedMediaType, field: "Content-Type",
		msg: fmt.Sprintf("Content-Type %q is not supported; send %s", contentType, accepted)}
}

// readBody reads the (already decompressed) body up to the limit.
func (r *logAPIReceiver) readBody(req *http.Request, buf *bytes.Buffer) *requestError {
	limit := r.cfg.Limits.MaxBodyBytes
	_, err := buf.ReadFrom(io.LimitReader(req.Body, limit+1))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || int64(buf.Len()) > limit:
		return &requestError{status: http.StatusRequestEntityTooLarge, code: httpapi.CodeBodyTooLarge, field: "body",
			msg: fmt.Sprintf("request body is over the limit of %d bytes; split the batch", min(limit, tooLargeLimit(tooLarge, limit)))}
	case err != nil:
		return &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidJSON, field: "body",
			msg: "request body could not be read: " + err.Error()}
	case len(bytes.TrimSpace(buf.Bytes())) == 0:
		return &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidJSON, field: "body", msg: "request body is empty"}
	}
	return nil
}

func tooLargeLimit(e *http.MaxBytesError, fallback int64) int64 {
	if e != nil {
		return e.Limit
	}
	return fallback
}

// maxParseErrorBytes keeps parser errors readable: for deeply nested input
// they repeat themselves for kilobytes.
const maxParseErrorBytes = 300

func invalidJSON(err error) *requestError {
	msg := err.Error()
	if len(msg) > maxParseErrorBytes {
		msg = strings.ToValidUTF8(msg[:maxParseErrorBytes], "") + "…"
	}
	return &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidJSON, field: "body",
		msg: "request body is not valid JSON: " + msg}
}

func decodeSingleJSON(p *fastjson.Parser, body []byte, d *batchDecoder) *requestError {
	v, err := p.ParseBytes(body)
	if err != nil {
		return invalidJSON(err)
	}
	if v.Type() != fastjson.TypeObject {
		return &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidJSON, field: "body",
			msg: fmt.Sprintf("request body must be one LogEntry object, got %s; send arrays to /logs/batch-ingest", v.Type())}
	}
	d.add(0, v)
	return nil
}

// decodeBatchJSON takes {"batch_id": ..., "logs": [...]} or a bare array.
func (r *logAPIReceiver) decodeBatchJSON(p *fastjson.Parser, body []byte, d *batchDecoder) (*string, *requestError) {
	v, err := p.ParseBytes(body)
	if err != nil {
		return nil, invalidJSON(err)
	}
	var batchID *string
	var entries []*fastjson.Value
	switch v.Type() {
	case fastjson.TypeArray:
		entries = v.GetArray()
	case fastjson.TypeObject:
		logs := v.Get("logs")
		if logs == nil {
			return nil, &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidField, field: "logs",
				msg: `logs: is required: send {"batch_id": "...", "logs": [LogEntry, ...]} or a bare array`}
		}
		if logs.Type() != fastjson.TypeArray {
			return nil, &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidField, field: "logs",
				msg: fmt.Sprintf("logs: must be an array of LogEntry objects, got %s", logs.Type())}
		}
		entries = logs.GetArray()
		if b := v.Get("batch_id"); b != nil && b.Type() != fastjson.TypeNull {
			if b.Type() != fastjson.TypeString || len(b.GetStringBytes()) > r.cfg.Limits.MaxFieldBytes {
				return nil, &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidField, field: "batch_id",
					msg: fmt.Sprintf("batch_id: must be a string of at most %d bytes", r.cfg.Limits.MaxFieldBytes)}
			}
			s := string(b.GetStringBytes())
			batchID = &s
		}
	default:
		return nil, &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidJSON, field: "body",
			msg: fmt.Sprintf(`request body must be {"batch_id": "...", "logs": [...]} or an array of LogEntry objects, got %s`, v.Type())}
	}
	if rerr := r.checkBatchSize(len(entries)); rerr != nil {
		return nil, rerr
	}
	for i, e := range entries {
		d.add(i, e)
	}
	return batchID, nil
}

// decodeNDJSON takes one LogEntry per line; a bad line rejects that entry only.
func (r *logAPIReceiver) decodeNDJSON(p *fastjson.Parser, body []byte, d *batchDecoder) *requestError {
	if rerr := r.checkBatchSize(countLines(body)); rerr != nil {
		return rerr
	}
	index := 0
	forEachLine(body, func(line []byte) {
		v, err := p.ParseBytes(line)
		if err != nil {
			d.reject(index, "entry", fmt.Sprintf("line %d is not valid JSON: %s", index+1, err))
		} else {
			d.add(index, v)
		}
		index++
	})
	if index == 0 {
		return &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidField, field: "logs", msg: "logs: the batch has no entries"}
	}
	return nil
}

// forEachLine calls fn with every non-blank line of body, trimmed, without
// copying it (no line-length limit, unlike bufio.Scanner).
func forEachLine(body []byte, fn func(line []byte)) {
	for len(body) > 0 {
		line := body
		if nl := bytes.IndexByte(body, '\n'); nl >= 0 {
			line, body = body[:nl], body[nl+1:]
		} else {
			body = nil
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			fn(line)
		}
	}
}

func countLines(body []byte) int {
	n := 0
	forEachLine(body, func([]byte) { n++ })
	return n
}

func (r *logAPIReceiver) checkBatchSize(n int) *requestError {
	if n == 0 {
		return &requestError{status: http.StatusBadRequest, code: httpapi.CodeInvalidField, field: "logs", msg: "logs: the batch has no entries"}
	}
	if n > r.cfg.Limits.MaxBatchSize {
		return &requestError{status: http.StatusRequestEntityTooLarge, code: httpapi.CodeBatchTooLarge, field: "logs",
			msg: fmt.Sprintf("logs: the batch has %d entries, over the limit of %d; split it", n, r.cfg.Limits.MaxBatchSize)}
	}
	return nil
}

func (r *logAPIReceiver) writeRequestError(w http.ResponseWriter, e *requestError, id string) {
	httpapi.WriteError(w, e.status, e.code, e.field, e.msg, id)
}

// writePipelineError answers a refusal from the pipeline. Nothing was
// acknowledged, so the caller must send the data again: 503 with
// Retry-After for refusals that pass (queue full, memory limit, store down).
func (r *logAPIReceiver) writePipelineError(w http.ResponseWriter, err error, id string) {
	if consumererror.IsPermanent(err) {
		r.settings.Logger.Error("Pipeline rejected logs permanently", zap.String("correlation_id", id), zap.Error(err))
		httpapi.WriteError(w, http.StatusInternalServerError, httpapi.CodeInternal, "",
			"the pipeline rejected the logs: "+err.Error(), id)
		return
	}
	r.settings.Logger.Warn("Pipeline refused logs; client asked to retry", zap.String("correlation_id", id), zap.Error(err))
	msg := "the pipeline cannot take logs right now (" + strings.TrimSpace(err.Error()) + "); nothing was stored, retry after the Retry-After delay"
	httpapi.WriteUnavailable(w, http.StatusServiceUnavailable, r.cfg.RetryAfter, msg, id)
}
