// Package searchapi provides the searchapi extension: paylog's HTTP API for
// people and tools — GET /logs/search, /health, /metrics and the status page —
// over the store of a logstore extension. Receivers such as logapi can mount
// their routes on its server, so one port serves ingest and search.
//
//go:generate go tool mdatagen metadata.yaml
package searchapi // import "github.com/paylog/paylog/extension/searchapi"
