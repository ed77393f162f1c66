// Package tenant provides the tenant processor: it stamps every log record
// of an authenticated request with the tenant its token belongs to, so that
// logs arriving over OTLP are stored under the right tenant and a client
// cannot name another tenant in its resource attributes.
//
//go:generate go tool mdatagen metadata.yaml
package tenant // import "github.com/paylog/paylog/processor/tenant"
