// Package patterns provides the patterns processor: it mines log templates
// online (internal/miner) and annotates every log record with
// log.pattern.id and log.pattern.template, so that stores can count errors
// by pattern. Miner state survives restarts through a storage extension.
//
//go:generate go tool mdatagen metadata.yaml
package patterns // import "github.com/paylog/paylog/processor/patterns"
