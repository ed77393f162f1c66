package goruntime // import "github.com/paylog/paylog/extension/goruntime"

import (
	"errors"
	"fmt"
)

// Config sets the runtime.
type Config struct {
	// MinHeapGoalMiB is the least heap size, in MiB, the garbage collector
	// lets the heap grow to before it collects. 0 leaves GOGC alone.
	MinHeapGoalMiB int `mapstructure:"min_heap_goal_mib"`
	// ExtraProcs is how many Go processors (GOMAXPROCS) to run beyond the
	// CPUs Go found. 0 leaves GOMAXPROCS alone.
	ExtraProcs int `mapstructure:"extra_procs"`

	_ struct{}
}

// maxHeapGoalMiB bounds the floor: it is memory the process may hold in
// garbage, and past a few hundred MiB a busy heap sets the goal anyway.
const maxHeapGoalMiB = 4096

// maxExtraProcs bounds the extra processors: each is a thread competing
// for the same CPUs.
const maxExtraProcs = 8

// Validate checks the configuration.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.MinHeapGoalMiB < 0 || cfg.MinHeapGoalMiB > maxHeapGoalMiB {
		errs = append(errs, fmt.Errorf("min_heap_goal_mib: must be between 0 and %d, got %d", maxHeapGoalMiB, cfg.MinHeapGoalMiB))
	}
	if cfg.ExtraProcs < 0 || cfg.ExtraProcs > maxExtraProcs {
		errs = append(errs, fmt.Errorf("extra_procs: must be between 0 and %d, got %d", maxExtraProcs, cfg.ExtraProcs))
	}
	return errors.Join(errs...)
}
