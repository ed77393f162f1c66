package patterns // import "github.com/paylog/paylog/processor/patterns"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/paylog/paylog/internal/miner"
	"github.com/paylog/paylog/processor/patterns/internal/metadata"
)

// NewFactory returns the patterns processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	mining := miner.DefaultConfig()
	return &Config{
		Similarity:        mining.Similarity,
		MaxPatterns:       mining.MaxClusters,
		MaxTokens:         mining.MaxTokens,
		MaxMessageBytes:   mining.MaxMessageBytes,
		SaveInterval:      30 * time.Second,
		TemplateAttribute: TemplateEveryRecord,
	}
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := newPatternsProcessor(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	// The processor is the helper's next consumer (the helper keeps the
	// standard processor telemetry): with template_attribute: on_change it
	// must see whether the data was accepted downstream.
	p.next = next
	annotating, err := consumer.NewLogs(p.consumeLogs, consumer.WithCapabilities(consumer.Capabilities{MutatesData: true}))
	if err != nil {
		return nil, err
	}
	passThrough := func(_ context.Context, ld plog.Logs) (plog.Logs, error) { return ld, nil }
	return processorhelper.NewLogs(ctx, set, cfg, annotating, passThrough,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
}
