package e2e

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// workload generates a deterministic, realistic log stream in the LogEntry
// shape: 20 services, templated messages with variable parts, ~10% errors,
// a third with trace ids, metadata on errors.
type workload struct {
	rng *rand.Rand
	now time.Time
}

func newWorkload(seed uint64) *workload {
	return &workload{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: time.Now().UTC()}
}

var workloadServices = []string{"user-service", "payment-service", "order-service", "auth-service", "api-gateway",
	"inventory-service", "notification-service", "search-service", "billing-service", "shipping-service",
	"cart-service", "catalog-service", "review-service", "fraud-service", "ledger-service",
	"report-service", "email-service", "session-service", "pricing-service", "tax-service"}

type workloadTemplate struct {
	level   string
	message func(r *rand.Rand) string
}

var workloadTemplates = []workloadTemplate{
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("User %d logged in from 10.%d.%d.%d", r.IntN(100000), r.IntN(256), r.IntN(256), r.IntN(256))
	}},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("GET /api/v1/orders/%d completed in %dms", r.IntN(1e6), r.IntN(900))
	}},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Payment %d authorized for $%d.%02d", r.IntN(1e7), r.IntN(500), r.IntN(100))
	}},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Cache hit ratio %d%% over last %d requests", r.IntN(100), r.IntN(10000))
	}},
	{"DEBUG", func(r *rand.Rand) string {
		return fmt.Sprintf("Loaded %d items from catalog shard %d", r.IntN(5000), r.IntN(64))
	}},
	{"DEBUG", func(r *rand.Rand) string {
		return fmt.Sprintf("Session %x refreshed, ttl=%ds", r.Uint64(), r.IntN(3600))
	}},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Order %d shipped via carrier %d", r.IntN(1e6), r.IntN(12))
	}},
	{"WARNING", func(r *rand.Rand) string {
		return fmt.Sprintf("Rate limit exceeded for client %d (%d req/s)", r.IntN(5000), 100+r.IntN(900))
	}},
	{"WARNING", func(r *rand.Rand) string {
		return fmt.Sprintf("Slow query on table orders took %dms", 500+r.IntN(5000))
	}},
	{"ERROR", func(r *rand.Rand) string {
		return fmt.Sprintf("Database connection failed after %d retries: timeout", r.IntN(5)+1)
	}},
	{"ERROR", func(r *rand.Rand) string { return fmt.Sprintf("Payment %d declined: insufficient funds", r.IntN(1e7)) }},
	{"CRITICAL", func(r *rand.Rand) string {
		return fmt.Sprintf("Disk usage at %d%% on volume /data%d", 90+r.IntN(10), r.IntN(4))
	}},
}

type workloadEntry struct {
	Timestamp string         `json:"timestamp"`
	Level     string         `json:"level"`
	Message   string         `json:"message"`
	Source    string         `json:"source"`
	Service   string         `json:"service"`
	TraceID   string         `json:"trace_id,omitempty"`
	SpanID    string         `json:"span_id,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

func (w *workload) entry(i int) workloadEntry {
	r := w.rng
	// Mostly INFO/DEBUG; errors and criticals about 10%.
	var tpl workloadTemplate
	if r.IntN(10) == 0 {
		tpl = workloadTemplates[9+r.IntN(3)]
	} else {
		tpl = workloadTemplates[r.IntN(9)]
	}
	service := workloadServices[r.IntN(len(workloadServices))]
	e := workloadEntry{
		Timestamp: w.now.Add(-time.Duration(i%3600) * time.Second).Format(time.RFC3339Nano),
		Level:     tpl.level,
		Message:   tpl.message(r),
		Source:    fmt.Sprintf("%s-%d", service, r.IntN(4)),
		Service:   service,
	}
	if r.IntN(3) == 0 {
		var id [24]byte
		for j := range id {
			id[j] = byte(r.Uint32())
		}
		e.TraceID, e.SpanID = hex.EncodeToString(id[:16]), hex.EncodeToString(id[16:])
	}
	if tpl.level == "ERROR" || tpl.level == "CRITICAL" {
		e.Metadata = map[string]any{"error_code": fmt.Sprintf("E%03d", r.IntN(50)), "retry_count": r.IntN(4), "region": "eu-west-1"}
	}
	return e
}

// batches returns n entries encoded as JSON batches of size entries.
func (w *workload) batches(n, size int) (bodies [][]byte, rawBytes int) {
	for start := 0; start < n; start += size {
		entries := make([]workloadEntry, 0, size)
		for i := start; i < min(start+size, n); i++ {
			entries = append(entries, w.entry(i))
		}
		body, _ := json.Marshal(map[string]any{"batch_id": fmt.Sprintf("bench-%d", start), "logs": entries})
		bodies = append(bodies, body)
		rawBytes += len(body)
	}
	return bodies, rawBytes
}
