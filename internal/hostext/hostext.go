// Package hostext finds the extension a component's configuration names
// (storage, mount_on, logstore, queue) and checks it offers what the
// component needs, with one wording for every such error.
package hostext // import "github.com/paylog/paylog/internal/hostext"

import (
	"fmt"

	"go.opentelemetry.io/collector/component"
)

// Find returns extension id of host as a T. field is the configuration key
// that names it and kind says what a T is ("a storage extension"); both go
// into the errors.
func Find[T any](host component.Host, field string, id component.ID, kind string) (T, error) {
	var zero T
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return zero, fmt.Errorf("%s: extension %q is not configured: add it under extensions and service::extensions", field, id)
	}
	t, ok := ext.(T)
	if !ok {
		return zero, fmt.Errorf("%s: extension %q is not %s", field, id, kind)
	}
	return t, nil
}
