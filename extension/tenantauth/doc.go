// Package tenantauth provides the tenant_auth extension: a server
// authenticator for confighttp (and configgrpc) that accepts bearer tokens
// and tells the request's handlers which tenant the token belongs to.
//
//go:generate go tool mdatagen metadata.yaml
package tenantauth // import "github.com/paylog/paylog/extension/tenantauth"
