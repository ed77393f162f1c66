package tenant

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/paylog/paylog/internal/tenant"
	"github.com/paylog/paylog/processor/tenant/internal/metadata"
)

func logsClaiming(claims ...string) plog.Logs {
	ld := plog.NewLogs()
	for _, claim := range claims {
		rl := ld.ResourceLogs().AppendEmpty()
		if claim != "" {
			rl.Resource().Attributes().PutStr(tenant.ResourceAttribute, claim)
		}
		rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("m")
	}
	return ld
}

func tenantsOf(ld plog.Logs) []string {
	var out []string
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		name := ""
		if v, ok := ld.ResourceLogs().At(i).Resource().Attributes().Get(tenant.ResourceAttribute); ok {
			name = v.Str()
		}
		out = append(out, name)
	}
	return out
}

// TestAuthenticatedTenantWins: an authenticated request's logs are its
// tenant's, whatever their resources claim; without authentication they
// pass unchanged.
func TestAuthenticatedTenantWins(t *testing.T) {
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), createDefaultConfig(), sink)
	require.NoError(t, err)

	acme := client.NewContext(context.Background(), client.Info{Auth: tenant.AuthData{Tenant: "acme"}})
	require.NoError(t, p.ConsumeLogs(acme, logsClaiming("globex", "", "acme")))
	require.NoError(t, p.ConsumeLogs(context.Background(), logsClaiming("globex", "")))

	got := sink.AllLogs()
	require.Len(t, got, 2)
	assert.Equal(t, []string{"acme", "acme", "acme"}, tenantsOf(got[0]))
	assert.Equal(t, []string{"globex", ""}, tenantsOf(got[1]), "unauthenticated: as the receiver stamped them")
}
