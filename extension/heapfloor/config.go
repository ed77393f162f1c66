package heapfloor // import "github.com/paylog/paylog/extension/heapfloor"

import "fmt"

// Config sets the floor.
type Config struct {
	// MinHeapGoalMiB is the least heap size, in MiB, the garbage collector
	// lets the heap grow to before it collects. 0 turns the extension off.
	MinHeapGoalMiB int `mapstructure:"min_heap_goal_mib"`

	_ struct{}
}

// maxHeapGoalMiB bounds the floor: it is memory the process may hold in
// garbage, and past a few hundred MiB a busy heap sets the goal anyway.
const maxHeapGoalMiB = 4096

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	if cfg.MinHeapGoalMiB < 0 || cfg.MinHeapGoalMiB > maxHeapGoalMiB {
		return fmt.Errorf("min_heap_goal_mib: must be between 0 and %d, got %d", maxHeapGoalMiB, cfg.MinHeapGoalMiB)
	}
	return nil
}
