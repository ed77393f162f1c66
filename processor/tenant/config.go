package tenant // import "github.com/paylog/paylog/processor/tenant"

// Config has no settings: the tenant comes from the request's
// authentication (the tenant_auth extension on the receiver).
type Config struct {
	_ struct{}
}
