package e2e

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/paylog/paylog/internal/workload"
)

// workloadBatches returns n entries of the seed's workload (the last hour,
// ending now) as JSON batch bodies of size entries, and their total size.
func workloadBatches(seed uint64, n, size int) (bodies [][]byte, rawBytes int) {
	g := workload.New(seed, time.Now(), time.Hour)
	for start := 0; start < n; start += size {
		entries := make([]workload.Entry, 0, size)
		for i := start; i < min(start+size, n); i++ {
			entries = append(entries, g.Entry(i, n))
		}
		body, _ := json.Marshal(map[string]any{"batch_id": fmt.Sprintf("bench-%d", start), "logs": entries})
		bodies = append(bodies, body)
		rawBytes += len(body)
	}
	return bodies, rawBytes
}
