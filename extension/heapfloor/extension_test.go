package heapfloor

import (
	"context"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/paylog/paylog/extension/heapfloor/internal/metadata"
)

func TestConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	for name, want := range map[string]string{"": "", "off": "", "big": "", "bad": "min_heap_goal_mib: must be between 0 and 4096, got -1"} {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		cfg := createDefaultConfig().(*Config)
		require.NoError(t, sub.Unmarshal(cfg))
		err = confmap.Validate(cfg)
		if want == "" {
			assert.NoError(t, err, name)
		} else {
			assert.EqualError(t, err, want, name)
		}
		switch name {
		case "":
			assert.Equal(t, 256, cfg.MinHeapGoalMiB)
		case "off":
			assert.Equal(t, 0, cfg.MinHeapGoalMiB)
		case "big":
			assert.Equal(t, 1024, cfg.MinHeapGoalMiB)
		}
	}
}

func TestPercentFor(t *testing.T) {
	const mib = 1 << 20
	assert.Equal(t, 1500, percentFor(4*mib, 64*mib), "4 MiB live: the goal is 64 MiB")
	assert.Equal(t, 100, percentFor(40*mib, 64*mib), "the default's goal, 80 MiB, is above the floor")
	assert.Equal(t, 100, percentFor(64*mib, 64*mib))
	assert.Equal(t, 100, percentFor(500*mib, 64*mib))
	assert.Equal(t, maxPercent, percentFor(100, 64*mib), "bounded for a nearly empty heap")
	assert.Equal(t, 100, percentFor(0, 64*mib), "no collection yet")
}

// gogc reads the GOGC the runtime uses now.
func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func newExtension(t *testing.T, floorMiB int) *heapFloor {
	t.Helper()
	ext, err := create(context.Background(), extensiontest.NewNopSettings(metadata.Type), &Config{MinHeapGoalMiB: floorMiB})
	require.NoError(t, err)
	return ext.(*heapFloor)
}

func TestFloorRaisesGOGCWhileTheHeapIsSmallAndRestoresIt(t *testing.T) {
	require.EqualValues(t, defaultPercent, gogc())
	runtime.GC() // the floor is computed from the live heap a collection left
	// A floor far above this test's heap: GOGC goes up at start.
	ext := newExtension(t, 2048)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	assert.Greater(t, gogc(), uint64(defaultPercent))

	// Put GOGC back by hand: the hook after the next collections sets it
	// again for the heap they left.
	ext.mu.Lock()
	debug.SetGCPercent(defaultPercent)
	ext.percent.Store(defaultPercent)
	ext.mu.Unlock()
	require.Eventually(t, func() bool {
		runtime.GC()
		return gogc() > defaultPercent
	}, 10*time.Second, 10*time.Millisecond, "GOGC was not raised after a collection")

	// A second floor in the same process is refused.
	second := newExtension(t, 64)
	assert.ErrorIs(t, second.Start(context.Background(), componenttest.NewNopHost()), errAlreadyRunning)

	require.NoError(t, ext.Shutdown(context.Background()))
	assert.EqualValues(t, defaultPercent, gogc())
	// Collections after shutdown leave GOGC alone.
	runtime.GC()
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	assert.EqualValues(t, defaultPercent, gogc())

	// The floor can start again once the first is shut down.
	require.NoError(t, second.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, second.Shutdown(context.Background()))
}

func TestFloorIsOffAtZeroAndUnderAnExplicitGOGC(t *testing.T) {
	off := newExtension(t, 0)
	require.NoError(t, off.Start(context.Background(), componenttest.NewNopHost()))
	assert.EqualValues(t, defaultPercent, gogc())
	require.NoError(t, off.Shutdown(context.Background()))

	t.Setenv("GOGC", "100")
	respected := newExtension(t, 2048)
	require.NoError(t, respected.Start(context.Background(), componenttest.NewNopHost()))
	assert.EqualValues(t, defaultPercent, gogc())
	assert.False(t, running.Load())
	require.NoError(t, respected.Shutdown(context.Background()))
}
