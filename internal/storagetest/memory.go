// Package storagetest has an in-memory storage extension for tests of the
// components that use or wrap one.
package storagetest // import "github.com/paylog/paylog/internal/storagetest"

import (
	"bytes"
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Memory is a storage extension keeping the values of all its clients in
// one map, so a component's second instance sees what the first stored, as
// after a restart. Batches hold the lock: they are atomic.
type Memory struct {
	component.StartFunc
	component.ShutdownFunc

	mu     sync.Mutex
	values map[string][]byte
}

var _ storage.Extension = (*Memory)(nil)

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{values: map[string][]byte{}} }

// GetClient returns a client on the shared map.
func (m *Memory) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return memoryClient{m}, nil
}

// Value returns what is stored under key, nil when nothing is.
func (m *Memory) Value(key string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.values[key])
}

// SetValue stores value under key, as a client's Set would.
func (m *Memory) SetValue(key string, value []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[key] = bytes.Clone(value)
}

type memoryClient struct{ m *Memory }

func (c memoryClient) Get(_ context.Context, key string) ([]byte, error) { return c.m.Value(key), nil }

func (c memoryClient) Set(_ context.Context, key string, value []byte) error {
	c.m.SetValue(key, value)
	return nil
}

func (c memoryClient) Delete(_ context.Context, key string) error {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	delete(c.m.values, key)
	return nil
}

func (c memoryClient) Batch(_ context.Context, ops ...*storage.Operation) error {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value = bytes.Clone(c.m.values[op.Key])
		case storage.Set:
			c.m.values[op.Key] = bytes.Clone(op.Value)
		case storage.Delete:
			delete(c.m.values, op.Key)
		}
	}
	return nil
}

func (memoryClient) Close(context.Context) error { return nil }
