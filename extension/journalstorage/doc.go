// Package journalstorage provides the journal_storage extension: a
// storage.Extension that keeps each client's keys in an append-only journal
// of checksummed batches, made for a persistent sending_queue. A write costs
// one append and at most one fsync, where a bbolt transaction rewrites pages
// and fsyncs twice; see README.md.
//
//go:generate go tool mdatagen metadata.yaml
package journalstorage // import "github.com/paylog/paylog/extension/journalstorage"
