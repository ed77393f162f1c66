package logstore // import "github.com/paylog/paylog/extension/logstore"

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
)

const (
	// BackendEmbedded is the embedded store: logs in a local directory,
	// written by the logstore exporter and searched here.
	BackendEmbedded = "embedded"
	// BackendElasticsearch searches an Elasticsearch cluster the contrib
	// elasticsearch exporter writes to; it is read-only.
	BackendElasticsearch = "elasticsearch"
)

// Config configures the logstore extension.
type Config struct {
	// Backend selects the store: "embedded" (the default) or "elasticsearch".
	Backend string `mapstructure:"backend"`
	// Embedded configures the embedded store.
	Embedded EmbeddedConfig `mapstructure:"embedded"`
	// Elasticsearch configures the elasticsearch backend.
	Elasticsearch ElasticsearchConfig `mapstructure:"elasticsearch"`

	_ struct{}
}

// EmbeddedConfig configures the embedded store.
type EmbeddedConfig struct {
	// Path is the data directory, created when missing. Default "./data/logs",
	// relative to the working directory.
	Path string `mapstructure:"path"`
	// Retention is how long logs are kept; whole days older than this are
	// dropped. Default 720h (30 days); at least 24h.
	Retention time.Duration `mapstructure:"retention"`
	// FutureRetention is how far ahead of now a record's timestamp may be.
	// Default 48h; at least 24h.
	FutureRetention time.Duration `mapstructure:"future_retention"`
	// MaxDiskUsageBytes drops the oldest days while the store is larger than
	// this. Default 0: no limit besides retention.
	MaxDiskUsageBytes int64 `mapstructure:"max_disk_usage_bytes"`
	// FlushInterval is how often buffered rows reach disk when no writer
	// asks for a durability point. Default 1s; at least 1s.
	FlushInterval time.Duration `mapstructure:"flush_interval"`
	// DurabilityInterval is the least time between two durability points,
	// which make what writers added safe on disk (the exporter deletes it
	// from its persistent queue then). Rarer points cost less disk work
	// under a trickle of writes; writers wait longer for them. Default 1s;
	// 0 to 1m, 0 starting a point as soon as a writer waits.
	DurabilityInterval time.Duration `mapstructure:"durability_interval"`
	// MinFreeDiskBytes makes the store refuse writes (they stay queued and
	// are retried; ingest answers 503 once the queue is full) while the disk
	// has less free space. Default 104857600 (100 MiB); 0 disables.
	MinFreeDiskBytes int64 `mapstructure:"min_free_disk_bytes"`
}

// ElasticsearchConfig configures the elasticsearch backend: where the
// documents of the elasticsearch exporter (otel mapping mode) are searched.
type ElasticsearchConfig struct {
	// Endpoints are the cluster's base URLs, e.g. https://es-1:9200; a
	// request that cannot reach one tries the next. Required.
	Endpoints []string `mapstructure:"endpoints"`
	// Index is the index, data stream, alias or pattern searched. Default
	// logs-paylog.otel-default, the exporter's logs_index in
	// config/elasticsearch.yaml.
	Index string `mapstructure:"index"`
	// APIKey is the encoded API key (base64 of id:key, as Elasticsearch
	// returns it), sent as "Authorization: ApiKey ...". It needs the read
	// and view_index_metadata privileges on Index and monitor on the cluster.
	APIKey configopaque.String `mapstructure:"api_key"`
	// Username and Password are basic auth instead of an API key.
	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
	// TLS configures https endpoints: CA, client certificate, server name.
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// Timeout bounds one request to Elasticsearch. Default 30s.
	Timeout time.Duration `mapstructure:"timeout"`
	// CursorKeepAlive is how long a search's cursor stays valid after the
	// page that returned it (an Elasticsearch point in time). Default 5m.
	CursorKeepAlive time.Duration `mapstructure:"cursor_keep_alive"`
	// MaxResultWindow is the index's index.max_result_window: offset+limit
	// beyond it is refused with 400 (page with the cursor). Default 10000,
	// Elasticsearch's default.
	MaxResultWindow int `mapstructure:"max_result_window"`
}

var (
	errUnknownBackend = errors.New(`backend: must be "embedded" or "elasticsearch"`)
	errNoPath         = errors.New("embedded::path: must not be empty")
)

// Validate checks the configuration of the chosen backend.
func (cfg *Config) Validate() error {
	switch cfg.Backend {
	case BackendEmbedded:
		return cfg.Embedded.validate()
	case BackendElasticsearch:
		return cfg.Elasticsearch.validate()
	}
	return fmt.Errorf("%w, got %q", errUnknownBackend, cfg.Backend)
}

func (es *ElasticsearchConfig) validate() error {
	var errs []error
	if len(es.Endpoints) == 0 {
		errs = append(errs, errors.New("elasticsearch::endpoints: must list at least one URL"))
	}
	for _, e := range es.Endpoints {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("elasticsearch::endpoints: %q must be an http:// or https:// URL", e))
		}
	}
	if es.Index == "" {
		errs = append(errs, errors.New("elasticsearch::index: must not be empty"))
	}
	if es.APIKey != "" && es.Username != "" {
		errs = append(errs, errors.New("elasticsearch::api_key: set api_key or username/password, not both"))
	}
	if es.Password != "" && es.Username == "" {
		errs = append(errs, errors.New("elasticsearch::username: must be set with password"))
	}
	if es.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("elasticsearch::timeout: must be positive, got %s", es.Timeout))
	}
	if es.CursorKeepAlive < time.Second {
		errs = append(errs, fmt.Errorf("elasticsearch::cursor_keep_alive: must be at least 1s, got %s", es.CursorKeepAlive))
	}
	if es.MaxResultWindow < 1 {
		errs = append(errs, fmt.Errorf("elasticsearch::max_result_window: must be positive, got %d", es.MaxResultWindow))
	}
	return errors.Join(errs...)
}

func (e *EmbeddedConfig) validate() error {
	var errs []error
	if e.Path == "" {
		errs = append(errs, errNoPath)
	}
	if e.Retention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("embedded::retention: must be at least 24h, got %s", e.Retention))
	}
	if e.FutureRetention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("embedded::future_retention: must be at least 24h, got %s", e.FutureRetention))
	}
	if e.MaxDiskUsageBytes < 0 {
		errs = append(errs, fmt.Errorf("embedded::max_disk_usage_bytes: must not be negative, got %d", e.MaxDiskUsageBytes))
	}
	if e.MinFreeDiskBytes < 0 {
		errs = append(errs, fmt.Errorf("embedded::min_free_disk_bytes: must not be negative, got %d", e.MinFreeDiskBytes))
	}
	if e.DurabilityInterval < 0 || e.DurabilityInterval > time.Minute {
		errs = append(errs, fmt.Errorf("embedded::durability_interval: must be between 0 and 1m, got %s", e.DurabilityInterval))
	}
	if e.FlushInterval < time.Second {
		errs = append(errs, fmt.Errorf("embedded::flush_interval: must be at least 1s, got %s", e.FlushInterval))
	}
	return errors.Join(errs...)
}
