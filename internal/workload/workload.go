// Package workload generates a deterministic, realistic log stream in the
// JSON API's LogEntry shape, for benchmarks and the paylog-bench load tool:
// 20 services with 4 hosts each, templated messages with variable parts (so
// pattern mining has real structure to find), about 10% ERROR/CRITICAL, a
// third of the entries with trace and span ids, metadata on errors and on
// HTTP requests.
package workload // import "github.com/paylog/paylog/internal/workload"

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"
)

// Entry is one log entry as POST /logs/ingest takes it.
type Entry struct {
	Timestamp string         `json:"timestamp"`
	Level     string         `json:"level"`
	Message   string         `json:"message"`
	Source    string         `json:"source"`
	Service   string         `json:"service"`
	TraceID   string         `json:"trace_id,omitempty"`
	SpanID    string         `json:"span_id,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// Services are the services entries come from.
var Services = []string{"user-service", "payment-service", "order-service", "auth-service", "api-gateway",
	"inventory-service", "notification-service", "search-service", "billing-service", "shipping-service",
	"cart-service", "catalog-service", "review-service", "fraud-service", "ledger-service",
	"report-service", "email-service", "session-service", "pricing-service", "tax-service"}

type template struct {
	level   string
	message func(r *rand.Rand) string
	// http marks request logs, which carry method/status metadata.
	http bool
}

func ip(r *rand.Rand) string {
	return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256))
}

func pick(r *rand.Rand, values ...string) string { return values[r.IntN(len(values))] }

// common are the DEBUG/INFO/WARNING templates, rare the ERROR/CRITICAL ones.
var common = []template{
	{"INFO", func(r *rand.Rand) string { return fmt.Sprintf("User %d logged in from %s", r.IntN(100000), ip(r)) }, false},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("GET /api/v1/orders/%d completed in %dms", r.IntN(1e6), r.IntN(900))
	}, true},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("POST /api/v1/payments returned %s in %dms", pick(r, "200", "201", "202"), r.IntN(900))
	}, true},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Order %d created for customer %d with %d items", r.IntN(1e7), r.IntN(1e5), 1+r.IntN(9))
	}, false},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Payment %x authorized amount=%d.%02d currency=%s", r.Uint64()>>16, r.IntN(5000), r.IntN(100), pick(r, "USD", "EUR", "GBP"))
	}, false},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Cache hit ratio %d%% for region %s", r.IntN(100), pick(r, "us-east-1", "eu-west-1", "ap-south-1"))
	}, false},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Scheduled job %s finished, processed %d records in %.1fs", pick(r, "reconcile", "cleanup", "export", "rollup"), r.IntN(1e5), r.Float64()*60)
	}, false},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Order %d shipped via %s", r.IntN(1e6), pick(r, "ups", "dhl", "fedex", "usps"))
	}, false},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Email to user %d queued, template=%s", r.IntN(100000), pick(r, "welcome", "receipt", "reset-password"))
	}, false},
	{"INFO", func(r *rand.Rand) string {
		return fmt.Sprintf("Consumer group %s committed offset %d on partition %d", pick(r, "billing", "ledger", "audit"), r.IntN(1e9), r.IntN(32))
	}, false},
	{"DEBUG", func(r *rand.Rand) string {
		return fmt.Sprintf("SQL query took %dms: SELECT * FROM orders WHERE id = %d", r.IntN(50), r.IntN(1e6))
	}, false},
	{"DEBUG", func(r *rand.Rand) string {
		return fmt.Sprintf("Session %x refreshed, ttl=%ds", r.Uint64(), r.IntN(3600))
	}, false},
	{"DEBUG", func(r *rand.Rand) string {
		return fmt.Sprintf("Connection pool stats: active=%d idle=%d waiting=%d", r.IntN(50), r.IntN(50), r.IntN(5))
	}, false},
	{"DEBUG", func(r *rand.Rand) string {
		return fmt.Sprintf("Feature flag %s evaluated to %t for user %d", pick(r, "new-checkout", "dark-mode", "fast-path"), r.IntN(2) == 1, r.IntN(100000))
	}, false},
	{"WARNING", func(r *rand.Rand) string {
		return fmt.Sprintf("Rate limit exceeded for client %s, %d requests in window", ip(r), 100+r.IntN(900))
	}, false},
	{"WARNING", func(r *rand.Rand) string {
		return fmt.Sprintf("Slow query on table %s took %dms", pick(r, "orders", "payments", "users"), 500+r.IntN(5000))
	}, false},
	{"WARNING", func(r *rand.Rand) string {
		return fmt.Sprintf("Retrying request to %s (attempt %d of 5)", pick(r, "inventory-service", "fraud-service", "tax-service"), 1+r.IntN(4))
	}, false},
}

var rare = []template{
	{"ERROR", func(r *rand.Rand) string {
		return fmt.Sprintf("Database connection failed after %d retries: timeout", r.IntN(5)+1)
	}, false},
	{"ERROR", func(r *rand.Rand) string { return fmt.Sprintf("Payment %d declined: insufficient funds", r.IntN(1e7)) }, false},
	{"ERROR", func(r *rand.Rand) string {
		return fmt.Sprintf("GET /api/v1/users/%d failed with status %s", r.IntN(1e5), pick(r, "500", "502", "503", "504"))
	}, true},
	{"ERROR", func(r *rand.Rand) string {
		return fmt.Sprintf("Failed to publish event %x to topic %s: broker unavailable", r.Uint64(), pick(r, "orders", "payments", "audit"))
	}, false},
	{"ERROR", func(r *rand.Rand) string {
		return fmt.Sprintf("Token validation failed for user %d: signature expired at %s", r.IntN(1e5), time.Unix(1.79e9+int64(r.IntN(1e6)), 0).UTC().Format(time.RFC3339))
	}, false},
	{"CRITICAL", func(r *rand.Rand) string {
		return fmt.Sprintf("Disk usage at %d%% on volume /data%d", 90+r.IntN(10), r.IntN(4))
	}, false},
	{"CRITICAL", func(r *rand.Rand) string {
		return fmt.Sprintf("Out of memory: killed worker %d (rss=%dMB)", r.IntN(64), 1000+r.IntN(7000))
	}, false},
}

// Generator makes entries; it is not safe for concurrent use.
type Generator struct {
	rng  *rand.Rand
	end  time.Time
	span time.Duration
}

// New returns a generator whose entries are determined by seed and spread
// evenly (by index) over the span before end.
func New(seed uint64, end time.Time, span time.Duration) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), end: end.UTC(), span: max(span, time.Second)}
}

// Entry returns entry i of n: entry 0 is the oldest, n-1 the newest.
func (g *Generator) Entry(i, n int) Entry {
	r := g.rng
	var tpl template
	if r.IntN(10) == 0 {
		tpl = rare[r.IntN(len(rare))]
	} else {
		tpl = common[r.IntN(len(common))]
	}
	service := Services[r.IntN(len(Services))]
	age := g.span - time.Duration(float64(g.span)*float64(i+1)/float64(max(n, 1)))
	e := Entry{
		Timestamp: g.end.Add(-age).Add(-time.Duration(r.IntN(1000)) * time.Microsecond).Format(time.RFC3339Nano),
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
	switch {
	case tpl.level == "ERROR" || tpl.level == "CRITICAL":
		e.Metadata = map[string]any{"error_code": fmt.Sprintf("E%03d", r.IntN(50)), "retry_count": r.IntN(4), "region": pick(r, "eu-west-1", "us-east-1")}
	case tpl.http:
		e.Metadata = map[string]any{"http": map[string]any{"method": pick(r, "GET", "POST"), "client_ip": ip(r)}}
	}
	return e
}
