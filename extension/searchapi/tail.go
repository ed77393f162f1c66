package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/paylog/paylog/internal/httpapi"
	"github.com/paylog/paylog/internal/logquery"
)

const (
	// maxTails bounds the live tails served at once: each polls the store.
	maxTails         = 16
	tailPollInterval = time.Second
	tailPage         = 500
	// maxTailDuration ends a tail (the client may reconnect), so that a
	// forgotten browser tab does not poll the store forever.
	maxTailDuration = time.Hour
)

// tailWriteTimeout bounds each write to a tail's client: the server's write
// timeout is for requests, not streams, so every write pushes it on.
var tailWriteTimeout = 30 * time.Second

// handleTail streams the records matching the search filters as they are
// stored, as server-sent events (event: log, data: the record as search
// returns it), oldest first, starting from now. It follows record time: an
// entry stamped earlier than the newest record already sent is not shown.
func (s *searchAPI) handleTail(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := httpapi.CorrelationID(w, r)
	tenantName, ok := s.requestTenant(w, r, "tail", id, start)
	if !ok {
		return
	}
	q := r.URL.Query()
	if err := checkParams(q); err != nil {
		s.writeParamError(w, "tail", id, err, time.Since(start))
		return
	}
	filter, err := parseFilter(q)
	if err != nil {
		s.writeParamError(w, "tail", id, err, time.Since(start))
		return
	}
	if s.tails.Add(1) > maxTails {
		s.tails.Add(-1)
		s.stats.record("tail", http.StatusTooManyRequests, time.Since(start))
		httpapi.WriteUnavailable(w, http.StatusTooManyRequests, 10*time.Second,
			fmt.Sprintf("%d live tails are open, the most this server serves; retry later", maxTails), id)
		return
	}
	defer s.tails.Add(-1)
	s.stats.record("tail", http.StatusOK, time.Since(start))

	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(text string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(tailWriteTimeout))
		if _, err := io.WriteString(w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	send := func(event string, data any) bool {
		raw, _ := json.Marshal(data)
		return write("event: " + event + "\ndata: " + string(raw) + "\n\n")
	}
	if !send("open", map[string]any{"correlation_id": id}) {
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), maxTailDuration)
	defer cancel()
	since := start
	sent := map[string]bool{} // ids sent with the timestamp since
	ticker := time.NewTicker(tailPollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			send("end", map[string]string{"reason": "the tail ends after " + maxTailDuration.String() + "; reconnect to go on"})
			return
		case <-ticker.C:
		}
		for more := true; more; {
			// The tail sends records, never a count: count the least.
			req := &logquery.Request{Filter: filter, Start: since, Limit: tailPage, Ascending: true, Tenant: tenantName, CountLimit: 1}
			searchCtx, cancelSearch := context.WithTimeout(ctx, s.cfg.SearchTimeout)
			res, err := s.store.Search(searchCtx, req)
			cancelSearch()
			if err != nil {
				if ctx.Err() == nil && !send("error", map[string]string{"message": err.Error()}) {
					return
				}
				break
			}
			fresh := 0
			for _, rec := range res.Records {
				if rec.Timestamp.Equal(since) && sent[rec.ID] {
					continue
				}
				if rec.Timestamp.After(since) {
					since, sent = rec.Timestamp, map[string]bool{}
				}
				sent[rec.ID] = true
				if !send("log", rec) {
					return
				}
				fresh++
			}
			more = len(res.Records) == tailPage && fresh > 0
		}
		// A comment keeps proxies from closing an idle stream.
		if !write(": keepalive\n\n") {
			return
		}
	}
}
