// Package logapi provides the logapi receiver: paylog's JSON ingest API,
// POST /logs/ingest and POST /logs/batch-ingest. It validates every entry,
// maps it to an OpenTelemetry log record and answers 2xx only once the
// pipeline has accepted the records (durably, behind a persistent queue).
//
//go:generate go tool mdatagen metadata.yaml
package logapi // import "github.com/paylog/paylog/receiver/logapi"
