package tenantauth

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/paylog/paylog/extension/tenantauth/internal/metadata"
	"github.com/paylog/paylog/internal/tenant"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, loadConfig(t, "").Validate())
	for name, want := range map[string]string{
		"short":  "tenants::acme::tokens: a token must be at least 16 bytes",
		"shared": "a token of tenant acme is also listed for globex",
		"empty":  "tenants: at least one tenant with a token is required",
	} {
		assert.ErrorContains(t, loadConfig(t, name).Validate(), want, name)
	}
}

func TestAuthenticateNamesTheTokensTenant(t *testing.T) {
	auth := newTenantAuth(loadConfig(t, ""))
	tenantOf := func(headers map[string][]string) (string, error) {
		ctx, err := auth.Authenticate(context.Background(), headers)
		if err != nil {
			return "", err
		}
		return client.FromContext(ctx).Auth.GetAttribute(tenant.AuthAttribute).(string), nil
	}
	for header, want := range map[string]string{
		"Bearer acme-token-0123456789":    "acme",
		"bearer acme-token-rotated-0123":  "acme",
		"Bearer globex-token-0123456789":  "globex",
		"Bearer  globex-token-0123456789": "globex",
	} {
		got, err := tenantOf(map[string][]string{"Authorization": {header}})
		require.NoError(t, err, header)
		assert.Equal(t, want, got, header)
	}
	got, err := tenantOf(map[string][]string{"Cookie": {"theme=dark; paylog_token=globex-token-0123456789"}})
	require.NoError(t, err, "the web UI's cookie")
	assert.Equal(t, "globex", got)
	got, err = tenantOf(map[string][]string{"authorization": {"Bearer globex-token-0123456789"}})
	require.NoError(t, err, "gRPC metadata keys are lower case")
	assert.Equal(t, "globex", got)

	for _, headers := range []map[string][]string{
		{},
		{"Authorization": {""}},
		{"Authorization": {"acme-token-0123456789"}},
		{"Authorization": {"Basic acme-token-0123456789"}},
		{"Authorization": {"Bearer acme-token-012345678"}},
		{"Authorization": {"Bearer acme-token-01234567890"}},
		{"X-Scope-OrgID": {"acme"}},
		{"Cookie": {"paylog_token=wrong-token-0123456789"}},
		{"Cookie": {"other=acme-token-0123456789"}},
	} {
		_, err := tenantOf(headers)
		assert.Error(t, err, "%v", headers)
	}
}
