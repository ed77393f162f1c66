// Package queuehealth is what a storage extension holding persistent queues
// tells GET /health: whether its backend answers and how much the queues
// hold. The searchapi extension asks; redis_storage answers. DecodeMetadata
// reads one queue's state from its storage client.
package queuehealth // import "github.com/paylog/paylog/internal/queuehealth"

import (
	"context"
	"time"
)

// Status of the queues' backend.
type Status struct {
	// Backend names it ("redis").
	Backend string
	// Up says the backend answered.
	Up bool
	// Latency is how long the backend took to answer a ping.
	Latency time.Duration
	// Items and Requests count what the queues hold: log records (or spans,
	// metric points) and the requests carrying them.
	Items, Requests int64
	// Err says why the backend or a queue's state could not be read.
	Err error
}

// Reporter is implemented by storage extensions that can report on the
// persistent queues they hold.
type Reporter interface {
	QueueStatus(ctx context.Context) Status
}
