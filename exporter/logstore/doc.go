// Package logstore provides the logstore exporter: it writes logs into the
// store of a logstore extension and reports success only once they are
// durable there, so a persistent sending queue in front of it deletes a
// batch only after the store can no longer lose it.
//
//go:generate go tool mdatagen metadata.yaml
package logstore // import "github.com/paylog/paylog/exporter/logstore"
