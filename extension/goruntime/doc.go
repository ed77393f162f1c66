// Package goruntime provides the go_runtime extension: it sets the Go
// runtime's scheduler and garbage collector for a collector that spends
// much of its time in system calls and C calls: a Go processor more than
// the CPUs, and a floor under the heap goal.
//
//go:generate go tool mdatagen metadata.yaml
package goruntime // import "github.com/paylog/paylog/extension/goruntime"
