package patterns // import "github.com/paylog/paylog/processor/patterns"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/paylog/paylog/internal/hostext"
	"github.com/paylog/paylog/internal/logquery"
	"github.com/paylog/paylog/internal/miner"
	"github.com/paylog/paylog/processor/patterns/internal/metadata"
)

// Attributes the processor sets on every mined record.
const (
	AttrPatternID       = logquery.AttrPatternID
	AttrPatternTemplate = logquery.AttrPatternTemplate
)

// storageKey is where the miner state lives in the storage client.
const storageKey = "miners"

// maxGroups bounds the pattern spaces of group_by.
const maxGroups = 1000

type patternsProcessor struct {
	cfg    *Config
	logger *zap.Logger
	id     component.ID
	levels map[string]bool

	mu     sync.Mutex
	miners map[string]*miner.Miner

	client storage.Client
	cancel context.CancelFunc
	done   chan struct{}

	next consumer.Logs
	// delivered holds, for template_attribute: on_change, the template last
	// accepted downstream per pattern and day.
	deliveredMu sync.Mutex
	delivered   map[deliveryKey]string

	telemetry *metadata.TelemetryBuilder
}

func newPatternsProcessor(cfg *Config, set processor.Settings) (*patternsProcessor, error) {
	p := &patternsProcessor{cfg: cfg, logger: set.Logger, id: set.ID, miners: map[string]*miner.Miner{}, delivered: map[deliveryKey]string{}}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p.telemetry = tb
	err = errors.Join(
		tb.RegisterProcessorPatternsActiveCallback(p.observe(func(s miner.Stats) int64 { return int64(s.Clusters) })),
		tb.RegisterProcessorPatternsEvictedCallback(p.observe(func(s miner.Stats) int64 { return int64(s.Evicted) })),
		tb.RegisterProcessorPatternsTruncatedMessagesCallback(p.observe(func(s miner.Stats) int64 { return int64(s.Truncated) })),
	)
	if err != nil {
		return nil, err
	}
	if len(cfg.Levels) > 0 {
		p.levels = map[string]bool{}
		for _, l := range cfg.Levels {
			level, _ := logquery.NormalizeLevel(l)
			p.levels[level] = true
		}
	}
	return p, nil
}

// sumStats adds one miner statistic over every pattern space.
func (p *patternsProcessor) sumStats(stat func(miner.Stats) int64) int64 {
	p.mu.Lock()
	miners := make([]*miner.Miner, 0, len(p.miners))
	for _, m := range p.miners {
		miners = append(miners, m)
	}
	p.mu.Unlock()
	var total int64
	for _, m := range miners {
		total += stat(m.Stats())
	}
	return total
}

func (p *patternsProcessor) observe(stat func(miner.Stats) int64) metric.Int64Callback {
	return func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(p.sumStats(stat))
		return nil
	}
}

// newMiner makes the miner of one pattern space; the space is part of its
// ids, so two tenants (or services) never share a pattern id.
func (p *patternsProcessor) newMiner(group string) *miner.Miner {
	return miner.New(miner.Config{Similarity: p.cfg.Similarity, MaxClusters: p.cfg.MaxPatterns,
		MaxTokens: p.cfg.MaxTokens, MaxMessageBytes: p.cfg.MaxMessageBytes, Space: group})
}

// minerFor returns the miner of a pattern space, creating it when new.
func (p *patternsProcessor) minerFor(group string) *miner.Miner {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.miners[group]
	if !ok {
		if len(p.miners) >= maxGroups {
			group = "" // bounded: further groups share the default space
			if m, ok = p.miners[group]; ok {
				return m
			}
		}
		m = p.newMiner(group)
		p.miners[group] = m
	}
	return m
}

func (p *patternsProcessor) start(ctx context.Context, host component.Host) error {
	if p.cfg.Storage == nil {
		return nil
	}
	se, err := hostext.Find[storage.Extension](host, "storage", *p.cfg.Storage, "a storage extension")
	if err != nil {
		return err
	}
	client, err := se.GetClient(ctx, component.KindProcessor, p.id, "")
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	p.client = client
	if err := p.load(ctx); err != nil {
		// Starting with no patterns beats not starting: ids of new patterns
		// are derived from their first template, so most come back the same.
		p.logger.Warn("Saved patterns could not be read; starting without them", zap.Error(err))
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go p.saveLoop(loopCtx)
	return nil
}

func (p *patternsProcessor) load(ctx context.Context) error {
	raw, err := p.client.Get(ctx, storageKey)
	if err != nil || raw == nil {
		return err
	}
	saved := map[string][]byte{}
	if err := json.Unmarshal(raw, &saved); err != nil {
		return err
	}
	for group, data := range saved {
		m := p.newMiner(group)
		if err := m.Restore(data); err != nil {
			return fmt.Errorf("pattern space %q: %w", group, err)
		}
		p.miners[group] = m
	}
	p.logger.Info("Patterns restored", zap.Int("spaces", len(saved)))
	return nil
}

func (p *patternsProcessor) save(ctx context.Context) error {
	p.mu.Lock()
	miners := make(map[string]*miner.Miner, len(p.miners))
	for g, m := range p.miners {
		miners[g] = m
	}
	p.mu.Unlock()
	saved := make(map[string][]byte, len(miners))
	for g, m := range miners {
		data, err := m.Snapshot()
		if err != nil {
			return err
		}
		saved[g] = data
	}
	raw, err := json.Marshal(saved)
	if err != nil {
		return err
	}
	return p.client.Set(ctx, storageKey, raw)
}

func (p *patternsProcessor) saveLoop(ctx context.Context) {
	defer close(p.done)
	ticker := time.NewTicker(p.cfg.SaveInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := p.save(ctx); err != nil {
				p.logger.Warn("Saving patterns failed", zap.Error(err))
			}
		}
	}
}

// shutdown saves the patterns and closes the storage client; safe without start.
func (p *patternsProcessor) shutdown(ctx context.Context) error {
	p.telemetry.Shutdown()
	if p.cancel != nil {
		p.cancel()
		<-p.done
		p.cancel = nil
	}
	if p.client == nil {
		return nil
	}
	err := p.save(ctx)
	err = errors.Join(err, p.client.Close(ctx))
	p.client = nil
	return err
}

// deliveryKey is a pattern on one day (days since the Unix epoch, UTC).
type deliveryKey struct {
	id  string
	day int64
}

// deliveries are the templates one call sent on its records, to remember
// once they are accepted.
type deliveries map[deliveryKey]string

// consumeLogs annotates ld and passes it on; with on_change it remembers
// the templates it sent once the next consumer accepted them, so a refused
// request (503 to the client) leaves them to be sent again.
func (p *patternsProcessor) consumeLogs(ctx context.Context, ld plog.Logs) error {
	sent := p.processLogs(ld)
	if err := p.next.ConsumeLogs(ctx, ld); err != nil {
		return err
	}
	if len(sent) > 0 {
		p.deliveredMu.Lock()
		if len(p.delivered) > 4*p.cfg.MaxPatterns {
			// Bounded: forgetting only means sending the templates again.
			clear(p.delivered)
		}
		for key, template := range sent {
			p.delivered[key] = template
		}
		p.deliveredMu.Unlock()
	}
	return nil
}

// processLogs annotates ld and returns the templates it sent with on_change.
// The records of one pattern space are mined in one call, however many
// resources and scopes they come in: the miner skips most of the work for a
// message that repeats an earlier one of the same call (a request of 1,000
// records from 20 services arrives as dozens of scopes).
func (p *patternsProcessor) processLogs(ld plog.Logs) deliveries {
	var (
		sent deliveries
		now  = pcommon.NewTimestampFromTime(time.Now())
	)
	buf := annotateBuffers.Get().(*annotateBuffer)
	defer buf.release()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		group := ""
		if p.cfg.GroupBy != "" {
			if v, ok := rl.Resource().Attributes().Get(p.cfg.GroupBy); ok {
				group = v.AsString()
			}
		}
		space := buf.space(p.minerFor(group))
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			p.collect(space, sls.At(j).LogRecords())
		}
	}
	for _, space := range buf.spaces {
		sent = p.annotate(space, now, sent)
	}
	return sent
}

// collect adds the records of one scope that are to be mined to space.
func (p *patternsProcessor) collect(space *spaceBatch, lrs plog.LogRecordSlice) {
	for k := 0; k < lrs.Len(); k++ {
		r := lrs.At(k)
		if p.levels != nil && !p.levels[logquery.LevelFromSeverity(int32(r.SeverityNumber()), r.SeverityText())] {
			continue
		}
		body := r.Body()
		var message string
		if body.Type() == pcommon.ValueTypeStr {
			message = body.Str()
		} else {
			message = body.AsString()
		}
		space.messages = append(space.messages, message)
		space.records = append(space.records, r)
	}
}

// annotate mines the records collected for one pattern space and sets their
// pattern attributes; with on_change it adds the templates it sets to sent.
func (p *patternsProcessor) annotate(space *spaceBatch, now pcommon.Timestamp, sent deliveries) deliveries {
	space.matches = space.miner.AppendBatch(space.matches[:0], space.messages)
	onChange := p.cfg.TemplateAttribute == TemplateOnChange
	if onChange {
		p.deliveredMu.Lock()
		defer p.deliveredMu.Unlock()
	}
	// The patterns this call found delivered or sent, by a slot of their id:
	// a request has few patterns, and most records repeat one of them, which
	// then costs no hashing of the key.
	var known [64]struct {
		key      deliveryKey
		template string
	}
	for i, match := range space.matches {
		r := space.records[i]
		attrs := r.Attributes()
		// One growth for both attributes instead of up to two.
		attrs.EnsureCapacity(attrs.Len() + 2)
		attrs.PutStr(AttrPatternID, match.ID)
		if !onChange {
			attrs.PutStr(AttrPatternTemplate, match.Template)
			continue
		}
		key := deliveryKey{id: match.ID, day: recordDay(r, now)}
		slot := &known[logquery.PatternIDSlot(match.ID, len(known))]
		if slot.key == key && slot.template == match.Template {
			continue
		}
		slot.key, slot.template = key, match.Template
		if t, ok := p.delivered[key]; ok && t == match.Template {
			continue
		}
		if t, ok := sent[key]; ok && t == match.Template {
			continue
		}
		if sent == nil {
			sent = deliveries{}
		}
		attrs.PutStr(AttrPatternTemplate, match.Template)
		sent[key] = match.Template
	}
	return sent
}

// spaceBatch is what one call mines in one pattern space: the messages, the
// records they came from and the matches.
type spaceBatch struct {
	miner    *miner.Miner
	messages []string
	records  []plog.LogRecord
	matches  []miner.Match
}

// annotateBuffer holds processLogs' slices between calls: made afresh
// (makeslice) they took a tenth of the processor's CPU under batch ingest.
type annotateBuffer struct {
	spaces []*spaceBatch
	// spare are emptied spaceBatches of earlier calls, for reuse.
	spare []*spaceBatch
}

var annotateBuffers = sync.Pool{New: func() any { return new(annotateBuffer) }}

// space returns this call's batch for m, starting one when m is new to it.
// A call has one space unless group_by is set.
func (b *annotateBuffer) space(m *miner.Miner) *spaceBatch {
	for _, s := range b.spaces {
		if s.miner == m {
			return s
		}
	}
	var s *spaceBatch
	if n := len(b.spare); n > 0 {
		s, b.spare = b.spare[n-1], b.spare[:n-1]
	} else {
		s = new(spaceBatch)
	}
	s.miner = m
	b.spaces = append(b.spaces, s)
	return s
}

// release returns the buffer to the pool without the call's strings and
// records.
func (b *annotateBuffer) release() {
	for _, s := range b.spaces {
		clear(s.messages)
		clear(s.records)
		clear(s.matches)
		s.miner, s.messages, s.records, s.matches = nil, s.messages[:0], s.records[:0], s.matches[:0]
		b.spare = append(b.spare, s)
	}
	clear(b.spaces)
	b.spaces = b.spaces[:0]
	annotateBuffers.Put(b)
}

// recordDay is the day of the record's time as the store files it: its
// timestamp, else its observed time, else now.
func recordDay(r plog.LogRecord, now pcommon.Timestamp) int64 {
	ts := r.Timestamp()
	if ts == 0 {
		ts = r.ObservedTimestamp()
	}
	if ts == 0 {
		ts = now
	}
	return int64(ts) / int64(24*time.Hour)
}
