// Package logstore provides the logstore extension: it owns paylog's log
// store backend (the embedded store, on VictoriaLogs' lib/logstorage) and
// lends it to the logstore exporter, which writes, and to the searchapi
// extension, which reads.
//
//go:generate go tool mdatagen metadata.yaml
package logstore // import "github.com/paylog/paylog/extension/logstore"
