package tenant

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/client"
)

func TestFromRequest(t *testing.T) {
	request := func(header, authTenant string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/logs/search", nil)
		if header != "" {
			r.Header.Set(Header, header)
		}
		if authTenant != "" {
			r = r.WithContext(client.NewContext(r.Context(), client.Info{Auth: AuthData{Tenant: authTenant}}))
		}
		return r
	}
	for _, tc := range []struct {
		name, header, auth, want string
		status                   int
	}{
		{name: "nothing: default tenant"},
		{name: "token", auth: "acme", want: "acme"},
		{name: "token and the same header", header: "acme", auth: "acme", want: "acme"},
		{name: "token and another tenant's header", header: "globex", auth: "acme", status: http.StatusForbidden},
		{name: "header alone (trusted proxy)", header: "globex", want: "globex"},
		{name: "bad header", header: "a b", status: http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromRequest(request(tc.header, tc.auth))
			if tc.status != 0 {
				if assert.NotNil(t, err) {
					assert.Equal(t, tc.status, err.Status)
					assert.Contains(t, err.Msg, Header)
				}
				return
			}
			assert.Nil(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestValidate(t *testing.T) {
	for _, ok := range []string{"acme", "team-1.prod_eu", "A"} {
		assert.NoError(t, Validate(ok), ok)
	}
	for _, bad := range []string{"", "a b", "x/y", "ü", string(make([]byte, 65))} {
		assert.Error(t, Validate(bad), bad)
	}
}
