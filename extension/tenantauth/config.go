package tenantauth // import "github.com/paylog/paylog/extension/tenantauth"

import (
	"errors"
	"fmt"
	"sort"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/paylog/paylog/internal/tenant"
)

// Config maps each tenant to the bearer tokens that act for it.
type Config struct {
	// Tenants maps a tenant name (letters, digits, '.', '_', '-'; at most 64
	// bytes) to its tokens.
	Tenants map[string]TenantConfig `mapstructure:"tenants"`
	// Header carries the token, as "Bearer <token>". Default Authorization.
	Header string `mapstructure:"header"`

	_ struct{}
}

// TenantConfig lists the tokens of one tenant; more than one lets a token be
// rotated without downtime.
type TenantConfig struct {
	Tokens []configopaque.String `mapstructure:"tokens"`
}

// minTokenBytes keeps guessable tokens out of a config.
const minTokenBytes = 16

func (c *Config) Validate() error {
	if len(c.Tenants) == 0 {
		return errors.New("tenants: at least one tenant with a token is required")
	}
	owner := map[configopaque.String]string{}
	names := make([]string, 0, len(c.Tenants))
	for name := range c.Tenants {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		if err := tenant.Validate(name); err != nil {
			errs = append(errs, fmt.Errorf("tenants: %w", err))
		}
		tokens := c.Tenants[name].Tokens
		if len(tokens) == 0 {
			errs = append(errs, fmt.Errorf("tenants::%s::tokens: at least one token is required", name))
		}
		for _, token := range tokens {
			if len(token) < minTokenBytes {
				errs = append(errs, fmt.Errorf("tenants::%s::tokens: a token must be at least %d bytes", name, minTokenBytes))
			}
			if other, ok := owner[token]; ok && other != name {
				errs = append(errs, fmt.Errorf("tenants::%s::tokens: a token of tenant %s is also listed for %s", name, other, name))
			}
			owner[token] = name
		}
	}
	return errors.Join(errs...)
}
