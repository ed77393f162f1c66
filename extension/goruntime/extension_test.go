package goruntime

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

	"github.com/paylog/paylog/extension/goruntime/internal/metadata"
)

func TestConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		name    string
		want    Config
		wantErr string
	}{
		{name: "", want: Config{MinHeapGoalMiB: 256, ExtraProcs: 1}},
		{name: "off", want: Config{}},
		{name: "custom", want: Config{MinHeapGoalMiB: 1024, ExtraProcs: 2}},
		{name: "bad", wantErr: "min_heap_goal_mib: must be between 0 and 4096, got -1\nextra_procs: must be between 0 and 8, got 9"},
	}
	for _, tt := range tests {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
		require.NoError(t, err)
		cfg := createDefaultConfig().(*Config)
		require.NoError(t, sub.Unmarshal(cfg))
		if tt.wantErr != "" {
			assert.EqualError(t, confmap.Validate(cfg), tt.wantErr)
			continue
		}
		assert.NoError(t, confmap.Validate(cfg), tt.name)
		assert.Equal(t, tt.want, *cfg, tt.name)
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

func newExtension(t *testing.T, cfg Config) *goRuntime {
	t.Helper()
	ext, err := create(context.Background(), extensiontest.NewNopSettings(metadata.Type), &cfg)
	require.NoError(t, err)
	return ext.(*goRuntime)
}

func TestFloorRaisesGOGCWhileTheHeapIsSmallAndRestoresIt(t *testing.T) {
	require.EqualValues(t, defaultPercent, gogc())
	runtime.GC() // the floor is computed from the live heap a collection left
	// A floor far above this test's heap: GOGC goes up at start.
	ext := newExtension(t, Config{MinHeapGoalMiB: 2048})
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	assert.Greater(t, gogc(), uint64(defaultPercent))

	// Put GOGC back by hand: the hook after the next collections sets it
	// again for the heap they left.
	ext.mu.Lock()
	debug.SetGCPercent(defaultPercent)
	ext.percent = defaultPercent
	ext.mu.Unlock()
	require.Eventually(t, func() bool {
		runtime.GC()
		return gogc() > defaultPercent
	}, 10*time.Second, 10*time.Millisecond, "GOGC was not raised after a collection")

	// A second extension in the same process is refused.
	second := newExtension(t, Config{MinHeapGoalMiB: 64})
	assert.ErrorIs(t, second.Start(context.Background(), componenttest.NewNopHost()), errAlreadyRunning)

	require.NoError(t, ext.Shutdown(context.Background()))
	assert.EqualValues(t, defaultPercent, gogc())
	// Collections after shutdown leave GOGC alone.
	runtime.GC()
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	assert.EqualValues(t, defaultPercent, gogc())

	// Another can start once the first is shut down.
	require.NoError(t, second.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, second.Shutdown(context.Background()))
}

func TestExtraProcsAndTheirRestore(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	ext := newExtension(t, Config{ExtraProcs: 2})
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	assert.Equal(t, before+2, runtime.GOMAXPROCS(0))
	assert.EqualValues(t, defaultPercent, gogc(), "no floor configured")
	require.NoError(t, ext.Shutdown(context.Background()))
	assert.Equal(t, before, runtime.GOMAXPROCS(0))
}

func TestOffAtZeroAndUnderTheEnvironment(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	off := newExtension(t, Config{})
	require.NoError(t, off.Start(context.Background(), componenttest.NewNopHost()))
	assert.EqualValues(t, defaultPercent, gogc())
	assert.Equal(t, before, runtime.GOMAXPROCS(0))
	assert.False(t, running.Load())
	require.NoError(t, off.Shutdown(context.Background()))

	// What the environment sets wins.
	t.Setenv("GOGC", "100")
	t.Setenv("GOMAXPROCS", "2")
	respected := newExtension(t, Config{MinHeapGoalMiB: 2048, ExtraProcs: 3})
	require.NoError(t, respected.Start(context.Background(), componenttest.NewNopHost()))
	assert.EqualValues(t, defaultPercent, gogc())
	assert.Equal(t, before, runtime.GOMAXPROCS(0))
	require.NoError(t, respected.Shutdown(context.Background()))
}
