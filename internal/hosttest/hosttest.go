// Package hosttest gives tests a component.Host that holds extensions, as
// the collector's host does for components looking one up.
package hosttest // import "github.com/paylog/paylog/internal/hosttest"

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
)

// Host is a no-op host with Extensions.
type Host struct {
	component.Host
	Extensions map[component.ID]component.Component
}

// GetExtensions returns the host's extensions.
func (h Host) GetExtensions() map[component.ID]component.Component { return h.Extensions }

// WithExtensions returns a host holding extensions.
func WithExtensions(extensions map[component.ID]component.Component) Host {
	return Host{Host: componenttest.NewNopHost(), Extensions: extensions}
}
