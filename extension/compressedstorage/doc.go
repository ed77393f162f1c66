// Package compressedstorage provides the compressed_storage extension: it
// wraps another storage extension and keeps its values zstd-compressed, so
// that a persistent sending_queue on file_storage writes (and fsyncs) a
// fraction of the bytes.
//
//go:generate go tool mdatagen metadata.yaml
package compressedstorage // import "github.com/paylog/paylog/extension/compressedstorage"
