// Package heapfloor provides the heapfloor extension: while the Go heap of
// the collector is small, it raises GOGC after each collection so that the
// next one waits for the heap to reach a floor, instead of collecting many
// times a second.
//
//go:generate go tool mdatagen metadata.yaml
package heapfloor // import "github.com/paylog/paylog/extension/heapfloor"
