package tenantauth // import "github.com/paylog/paylog/extension/tenantauth"

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensionauth"

	"github.com/paylog/paylog/internal/httpapi"
	"github.com/paylog/paylog/internal/tenant"
)

type credential struct {
	token  []byte
	tenant string
}

type tenantAuth struct {
	header      string
	credentials []credential
}

var _ extensionauth.Server = (*tenantAuth)(nil)

func newTenantAuth(cfg *Config) *tenantAuth {
	a := &tenantAuth{header: cfg.Header}
	if a.header == "" {
		a.header = "Authorization"
	}
	for name, t := range cfg.Tenants {
		for _, token := range t.Tokens {
			a.credentials = append(a.credentials, credential{token: []byte(token), tenant: name})
		}
	}
	return a
}

func (*tenantAuth) Start(context.Context, component.Host) error { return nil }
func (*tenantAuth) Shutdown(context.Context) error              { return nil }

var (
	errMissingToken = errors.New("authentication required: send Authorization: Bearer <token>")
	errBadToken     = errors.New("authentication failed: the bearer token is not valid")
)

// presentedToken reads "Bearer <token>" from the header, else the token the
// web UI's sign-in form keeps in a cookie (browsers send no bearer header on
// navigation).
func (a *tenantAuth) presentedToken(headers map[string][]string) ([]byte, error) {
	values := headers[http.CanonicalHeaderKey(a.header)]
	if len(values) == 0 {
		values = headers[strings.ToLower(a.header)] // gRPC metadata
	}
	if len(values) > 0 && values[0] != "" {
		scheme, token, ok := strings.Cut(values[0], " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return nil, errMissingToken
		}
		return []byte(strings.TrimSpace(token)), nil
	}
	cookies, err := http.ParseCookie(strings.Join(headers["Cookie"], "; "))
	if err == nil {
		for _, c := range cookies {
			if c.Name == httpapi.TokenCookie && c.Value != "" {
				token, err := url.QueryUnescape(c.Value)
				if err == nil {
					return []byte(token), nil
				}
			}
		}
	}
	return nil, errMissingToken
}

// Authenticate accepts "Bearer <token>" in the header (or the web UI's
// cookie) and puts the token's
// tenant in the context's client.Info. Every token is compared, in constant
// time, so the answer's timing does not tell how much of a token matched or
// which tenant has it.
func (a *tenantAuth) Authenticate(ctx context.Context, headers map[string][]string) (context.Context, error) {
	presented, err := a.presentedToken(headers)
	if err != nil {
		return ctx, err
	}
	found := ""
	for _, c := range a.credentials {
		if subtle.ConstantTimeCompare(c.token, presented) == 1 {
			found = c.tenant
		}
	}
	if found == "" {
		return ctx, errBadToken
	}
	info := client.FromContext(ctx)
	info.Auth = tenant.AuthData{Tenant: found}
	return client.NewContext(ctx, info), nil
}
