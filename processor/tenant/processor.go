package tenant // import "github.com/paylog/paylog/processor/tenant"

import (
	"context"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/paylog/paylog/internal/tenant"
)

// stampTenant sets paylog.tenant on every resource to the tenant the
// request authenticated as, replacing whatever the client sent. Without an
// authenticated tenant it changes nothing: the records keep the tenant the
// JSON API stamped them with (from X-Scope-OrgID, or a group of single
// entries merged from several requests), or none.
func stampTenant(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	auth := client.FromContext(ctx).Auth
	if auth == nil {
		return ld, nil
	}
	name, _ := auth.GetAttribute(tenant.AuthAttribute).(string)
	if name == "" {
		return ld, nil
	}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rls.At(i).Resource().Attributes().PutStr(tenant.ResourceAttribute, name)
	}
	return ld, nil
}
