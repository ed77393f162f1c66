package hostext

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"

	"github.com/paylog/paylog/internal/hosttest"
)

type named interface{ Name() string }

type namedExt struct{ component.Component }

func (namedExt) Name() string { return "x" }

func TestFind(t *testing.T) {
	id := component.MustNewID("thing")
	h := hosttest.WithExtensions(map[component.ID]component.Component{id: namedExt{}})
	got, err := Find[named](h, "storage", id, "a named extension")
	require.NoError(t, err)
	assert.Equal(t, "x", got.Name())

	_, err = Find[named](h, "storage", component.MustNewID("other"), "a named extension")
	assert.EqualError(t, err, `storage: extension "other" is not configured: add it under extensions and service::extensions`)

	h.Extensions[id] = struct{ component.Component }{}
	_, err = Find[named](h, "storage", id, "a named extension")
	assert.EqualError(t, err, `storage: extension "thing" is not a named extension`)
}
