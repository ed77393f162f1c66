// Package tenant is how paylog tells tenants apart: who a request acts for
// (the tenant_auth extension's token, else a trusted proxy's X-Scope-OrgID
// header) and the resource attribute that carries the tenant from the API to
// the store.
package tenant // import "github.com/paylog/paylog/internal/tenant"

import (
	"fmt"
	"net/http"

	"go.opentelemetry.io/collector/client"
)

const (
	// ResourceAttribute carries a record's tenant through the pipeline; the
	// store keeps it as its own tenant, not as a field. Absent: the default
	// tenant.
	ResourceAttribute = "paylog.tenant"
	// AuthAttribute is the client.AuthData attribute tenant_auth sets.
	AuthAttribute = "paylog.tenant"
	// Header names the tenant when no token does (set by a trusted proxy).
	Header = "X-Scope-OrgID"

	maxNameBytes = 64
)

// Validate accepts names of 1 to 64 letters, digits, '.', '_' and '-'.
func Validate(name string) error {
	if name == "" || len(name) > maxNameBytes {
		return fmt.Errorf("tenant %q: must be 1 to %d bytes", name, maxNameBytes)
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("tenant %q: only letters, digits, '.', '_' and '-' are allowed", name)
		}
	}
	return nil
}

// AuthData is what tenant_auth puts in client.Info for an accepted token.
type AuthData struct{ Tenant string }

func (a AuthData) GetAttribute(name string) any {
	if name == AuthAttribute {
		return a.Tenant
	}
	return nil
}

func (AuthData) GetAttributeNames() []string { return []string{AuthAttribute} }

// RequestError is a tenant a request may not act for, or cannot be read.
type RequestError struct {
	Status int
	Msg    string
}

func (e *RequestError) Error() string { return e.Msg }

// FromRequest returns the tenant a request acts for: the one its token
// belongs to when the server authenticates with tenant_auth; else the
// X-Scope-OrgID header; else "" (the default tenant). A header naming
// another tenant than the token's is refused, never obeyed.
func FromRequest(r *http.Request) (string, *RequestError) {
	header := r.Header.Get(Header)
	if auth := client.FromContext(r.Context()).Auth; auth != nil {
		if t, ok := auth.GetAttribute(AuthAttribute).(string); ok && t != "" {
			if header != "" && header != t {
				return "", &RequestError{Status: http.StatusForbidden,
					Msg: fmt.Sprintf("%s: the token belongs to another tenant than %q", Header, header)}
			}
			return t, nil
		}
	}
	if header == "" {
		return "", nil
	}
	if err := Validate(header); err != nil {
		return "", &RequestError{Status: http.StatusBadRequest, Msg: Header + ": " + err.Error()}
	}
	return header, nil
}
