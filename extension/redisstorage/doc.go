// Package redisstorage provides the redis_storage extension: the collector's
// storage interface on Redis, so that an exporter's persistent sending_queue
// (or any component's state) lives in Redis and survives the collector.
//
//go:generate go tool mdatagen metadata.yaml
package redisstorage // import "github.com/paylog/paylog/extension/redisstorage"
