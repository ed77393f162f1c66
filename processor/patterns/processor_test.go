package patterns

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/paylog/paylog/internal/hosttest"
	"github.com/paylog/paylog/internal/storagetest"
	"github.com/paylog/paylog/processor/patterns/internal/metadata"
	"github.com/paylog/paylog/processor/patterns/internal/metadatatest"
)

func logs(service string, levels []plog.SeverityNumber, messages ...string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", service)
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i, m := range messages {
		r := lrs.AppendEmpty()
		r.Body().SetStr(m)
		if levels != nil {
			r.SetSeverityNumber(levels[i])
		}
	}
	return ld
}

func startProcessor(t *testing.T, cfg *Config, h component.Host) (processor.Logs, *consumertest.LogsSink) {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), h))
	return p, sink
}

func annotations(ld plog.Logs) (ids, templates []string) {
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := 0; i < lrs.Len(); i++ {
		id, _ := lrs.At(i).Attributes().Get(AttrPatternID)
		tpl, _ := lrs.At(i).Attributes().Get(AttrPatternTemplate)
		ids, templates = append(ids, id.Str()), append(templates, tpl.Str())
	}
	return ids, templates
}

func TestAnnotatesRecords(t *testing.T) {
	p, sink := startProcessor(t, createDefaultConfig().(*Config), componenttest.NewNopHost())
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	require.NoError(t, p.ConsumeLogs(context.Background(), logs("api", nil,
		"Payment 1234 declined: insufficient funds",
		"Payment 98 declined: insufficient funds",
		"Disk usage at 93% on volume /data1")))
	ids, templates := annotations(sink.AllLogs()[0])
	assert.Equal(t, ids[0], ids[1])
	assert.NotEqual(t, ids[0], ids[2])
	assert.Equal(t, "Payment <*> declined: insufficient funds", templates[1])
}

func TestLevelsLimitMining(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Levels = []string{"error", "CRITICAL"}
	p, sink := startProcessor(t, cfg, componenttest.NewNopHost())
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	require.NoError(t, p.ConsumeLogs(context.Background(), logs("api",
		[]plog.SeverityNumber{plog.SeverityNumberInfo, plog.SeverityNumberError}, "user 1 logged in", "query 7 failed")))
	ids, _ := annotations(sink.AllLogs()[0])
	assert.Empty(t, ids[0])
	assert.NotEmpty(t, ids[1])
}

func TestIDsSurviveRestart(t *testing.T) {
	store := storagetest.NewMemory()
	id := component.MustNewID("file_storage")
	h := hosttest.WithExtensions(map[component.ID]component.Component{id: store})
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &id

	p, sink := startProcessor(t, cfg, h)
	require.NoError(t, p.ConsumeLogs(context.Background(), logs("api", nil, "user 1 logged in from alpha", "user 2 logged in from beta")))
	require.NoError(t, p.Shutdown(context.Background()))
	before, _ := annotations(sink.AllLogs()[0])

	p, sink = startProcessor(t, cfg, h)
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	require.NoError(t, p.ConsumeLogs(context.Background(), logs("api", nil, "user 3 logged in from gamma")))
	after, templates := annotations(sink.AllLogs()[0])
	assert.Equal(t, before[0], after[0], "the generalised pattern keeps its id across a restart")
	assert.Equal(t, "user <*> logged in from <*>", templates[0])
}

func TestGroupBySeparatesSpaces(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.GroupBy = "service.name"
	p, sink := startProcessor(t, cfg, componenttest.NewNopHost())
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	require.NoError(t, p.ConsumeLogs(context.Background(), logs("a", nil, "job 1 done", "job 2 done")))
	require.NoError(t, p.ConsumeLogs(context.Background(), logs("b", nil, "job 3 finished")))
	a, _ := annotations(sink.AllLogs()[0])
	b, templates := annotations(sink.AllLogs()[1])
	assert.Equal(t, a[0], a[1])
	assert.Equal(t, "job <*> finished", templates[0])
	assert.NotEmpty(t, b[0])
}

// A request's records are mined in one call per pattern space, across its
// resources and scopes; each record must get what mining the records one by
// one, in order, gives it.
func TestRecordsOfManyScopesAreMinedInOrder(t *testing.T) {
	type record struct{ service, message string }
	var records []record
	for i := range 60 {
		service := []string{"a", "b", "c"}[i%3]
		records = append(records, record{service, fmt.Sprintf("job %d finished on node-%d after %d ms", i, i%4, i*7)},
			record{service, fmt.Sprintf("user u%d logged in from 10.0.0.%d", i%5, i)})
	}
	// One request: a resource per run of records of one service, two scopes each.
	request := plog.NewLogs()
	var scopes []plog.LogRecordSlice
	for i, r := range records {
		if i%4 == 0 {
			rl := request.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", r.service)
			scopes = append(scopes, rl.ScopeLogs().AppendEmpty().LogRecords(), rl.ScopeLogs().AppendEmpty().LogRecords())
		}
		scopes[len(scopes)-2+i%2].AppendEmpty().Body().SetStr(r.message)
	}
	for _, groupBy := range []string{"", "service.name"} {
		cfg := createDefaultConfig().(*Config)
		cfg.GroupBy = groupBy
		batched, batchedSink := startProcessor(t, cfg, componenttest.NewNopHost())
		single, singleSink := startProcessor(t, cfg, componenttest.NewNopHost())
		ld := plog.NewLogs()
		request.CopyTo(ld)
		require.NoError(t, batched.ConsumeLogs(context.Background(), ld))
		// The same records, in the order the request holds them, one per request.
		var got, want []string
		rls := batchedSink.AllLogs()[0].ResourceLogs()
		for i := 0; i < rls.Len(); i++ {
			service, _ := rls.At(i).Resource().Attributes().Get("service.name")
			sls := rls.At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				lrs := sls.At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					id, _ := lrs.At(k).Attributes().Get(AttrPatternID)
					tpl, _ := lrs.At(k).Attributes().Get(AttrPatternTemplate)
					got = append(got, id.Str()+" "+tpl.Str())
					require.NoError(t, single.ConsumeLogs(context.Background(), logs(service.Str(), nil, lrs.At(k).Body().Str())))
					ids, templates := annotations(singleSink.AllLogs()[len(singleSink.AllLogs())-1])
					want = append(want, ids[0]+" "+templates[0])
				}
			}
		}
		assert.Equal(t, want, got, "group_by %q", groupBy)
		require.NoError(t, batched.Shutdown(context.Background()))
		require.NoError(t, single.Shutdown(context.Background()))
	}
}

func TestTelemetryCountsPatternsEvictionsAndTruncations(t *testing.T) {
	tt := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tt.Shutdown(context.Background())) }()
	cfg := createDefaultConfig().(*Config)
	cfg.MaxPatterns = 2
	cfg.MaxMessageBytes = 20
	p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), cfg, new(consumertest.LogsSink))
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	require.NoError(t, p.ConsumeLogs(context.Background(), logs("api", nil,
		"alpha happened", "beta happened now", "gamma happened here too",
		"a message that is longer than twenty bytes")))

	metadatatest.AssertEqualProcessorPatternsActive(t, tt, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorPatternsEvicted(t, tt, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorPatternsTruncatedMessages(t, tt, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
}

func TestTemplateOnChangeRidesOnlyOnNewsAndAfterRefusals(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.TemplateAttribute = TemplateOnChange
	sink := new(consumertest.LogsSink)
	refuse := true
	next, err := consumer.NewLogs(func(ctx context.Context, ld plog.Logs) error {
		if refuse {
			return errors.New("queue is full")
		}
		return sink.ConsumeLogs(ctx, ld)
	})
	require.NoError(t, err)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, next)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	send := func(messages ...string) error {
		return p.ConsumeLogs(context.Background(), logs("api", nil, messages...))
	}

	// Refused downstream: the template is not taken as delivered.
	require.Error(t, send("Payment 1 declined by bank"))
	refuse = false
	require.NoError(t, send("Payment 2 declined by bank", "Payment 3 declined by bank", "Disk full on volume 7"))
	ids, templates := annotations(sink.AllLogs()[0])
	assert.Equal(t, []string{"Payment <*> declined by bank", "", "Disk full on volume <*>"}, templates, "first record of each pattern only")
	assert.Equal(t, ids[0], ids[1], "the id is on every record")

	// Delivered: later records carry only the id, until the template changes.
	require.NoError(t, send("Payment 4 declined by bank", "Payment 5 refunded by bank"))
	require.NoError(t, send("Payment 6 declined by bank"))
	_, templates = annotations(sink.AllLogs()[1])
	assert.Equal(t, []string{"", "Payment <*> <*> by bank"}, templates)
	_, templates = annotations(sink.AllLogs()[2])
	assert.Equal(t, []string{""}, templates)
}
