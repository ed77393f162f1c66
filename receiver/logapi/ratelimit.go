package logapi // import "github.com/paylog/paylog/receiver/logapi"

import (
	"math"
	"net"
	"net/http"
	"sync"
	"time"
)

// RateLimitConfig bounds how many entries per second one client sends: its
// tenant when the request has one, else its IP address.
type RateLimitConfig struct {
	// EntriesPerSecond is each client's sustained rate; 0 (the default)
	// turns the limit off.
	EntriesPerSecond float64 `mapstructure:"entries_per_second"`
	// Burst is how many entries a client may send at once after a pause.
	// Default: the larger of one second's worth and limits::max_batch_size,
	// so that one full batch always fits.
	Burst int `mapstructure:"burst"`
}

// maxTrackedClients bounds the limiter's memory: past it, idle clients are
// forgotten at once instead of once a minute.
const maxTrackedClients = 100_000

// clientLimiter is a token bucket of entries per client.
type clientLimiter struct {
	rate, burst float64

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newClientLimiter(cfg RateLimitConfig, maxBatch int) *clientLimiter {
	if cfg.EntriesPerSecond <= 0 {
		return nil
	}
	burst := cfg.Burst
	if burst <= 0 {
		burst = max(int(math.Ceil(cfg.EntriesPerSecond)), maxBatch)
	}
	return &clientLimiter{rate: cfg.EntriesPerSecond, burst: float64(burst), buckets: map[string]*bucket{}}
}

// take spends n tokens of client's bucket and returns 0, or, when the
// bucket holds fewer, spends nothing and returns how long until it holds n.
func (l *clientLimiter) take(client string, n int, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute || len(l.buckets) >= maxTrackedClients {
		l.sweep(now)
	}
	b, ok := l.buckets[client]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[client] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	need := float64(n)
	if need > l.burst {
		need = l.burst // a request over the burst waits for a full bucket
	}
	if b.tokens >= need {
		b.tokens -= need
		return 0
	}
	return time.Duration((need - b.tokens) / l.rate * float64(time.Second))
}

// sweep forgets clients whose bucket has refilled: they are as if new.
func (l *clientLimiter) sweep(now time.Time) {
	for client, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, client)
		}
	}
	l.lastSweep = now
}

// clientKey names the client a limit applies to: the tenant, else the
// address the connection comes from (forwarding headers can be forged).
func clientKey(req *http.Request, tenantName string) string {
	if tenantName != "" {
		return "tenant:" + tenantName
	}
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		host = req.RemoteAddr
	}
	return "ip:" + host
}
