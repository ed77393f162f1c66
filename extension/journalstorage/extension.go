package journalstorage // import "github.com/paylog/paylog/extension/journalstorage"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/paylog/paylog/internal/hostext"
)

type journalStorage struct {
	cfg        *Config
	logger     *zap.Logger
	importFrom storage.Extension // nil without import_from

	mu      sync.Mutex
	clients map[string]*journal // by directory
}

var (
	_ storage.Extension               = (*journalStorage)(nil)
	_ extensioncapabilities.Dependent = (*journalStorage)(nil)
)

func newJournalStorage(cfg *Config, logger *zap.Logger) *journalStorage {
	return &journalStorage{cfg: cfg, logger: logger, clients: map[string]*journal{}}
}

// Dependencies makes the collector start the import_from storage first.
func (s *journalStorage) Dependencies() []component.ID {
	if s.cfg.ImportFrom == nil {
		return nil
	}
	return []component.ID{*s.cfg.ImportFrom}
}

func (s *journalStorage) Start(_ context.Context, host component.Host) error {
	if err := os.MkdirAll(s.cfg.Directory, 0o750); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	if s.cfg.ImportFrom != nil {
		from, err := hostext.Find[storage.Extension](host, "import_from", *s.cfg.ImportFrom, "a storage extension")
		if err != nil {
			return err
		}
		s.importFrom = from
	}
	return nil
}

// Shutdown closes the journals their clients left open.
func (s *journalStorage) Shutdown(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for dir, j := range s.clients {
		errs = append(errs, j.close())
		delete(s.clients, dir)
	}
	return errors.Join(errs...)
}

// GetClient opens the journal of the component (kind, id) and name, in a
// directory of its own; one client at a time per journal.
func (s *journalStorage) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	dir := filepath.Join(s.cfg.Directory, clientDirName(kind, id, name))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, open := s.clients[dir]; open {
		return nil, fmt.Errorf("journal_storage: %s is already open by another client", dir)
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) && s.importFrom != nil {
		if err := s.importInto(ctx, dir, kind, id, name); err != nil {
			return nil, fmt.Errorf("journal_storage: import_from %s: %w", s.cfg.ImportFrom, err)
		}
	}
	j, err := s.openJournal(dir, s.cfg.Sync == SyncAlways)
	if err != nil {
		return nil, fmt.Errorf("journal_storage: open %s: %w", dir, err)
	}
	s.logger.Info("Journal opened", zap.String("dir", dir), zap.Int("keys", len(j.index)), zap.Int("segments", len(j.segments)))
	s.clients[dir] = j
	return &client{j: j, closed: func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.clients[dir] == j {
			delete(s.clients, dir)
		}
	}}, nil
}

// openJournal opens the journal in dir with the configured segment size.
func (s *journalStorage) openJournal(dir string, syncAll bool) (*journal, error) {
	return openJournal(dir, int64(s.cfg.SegmentSizeMiB)<<20, syncAll, s.cfg.SyncInterval, s.logger)
}

// clientDirName names a client's directory after its kind, component type,
// component name and client name, as file_storage names its files, plus
// ".journal": both can share a directory.
func clientDirName(kind component.Kind, id component.ID, name string) string {
	raw := strings.Join([]string{strings.ToLower(kind.String()), id.Type().String(), id.Name(), name}, "_")
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		}
		return '~'
	}, raw) + ".journal"
}

// client is a storage.Client on one journal.
type client struct {
	j      *journal
	closed func()
}

func (c *client) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.j.get(key)
}

func (c *client) Set(ctx context.Context, key string, value []byte) error {
	return c.Batch(ctx, storage.SetOperation(key, value))
}

func (c *client) Delete(ctx context.Context, key string) error {
	return c.Batch(ctx, storage.DeleteOperation(key))
}

// Batch applies ops in order, atomically: a Get sees the Sets and Deletes
// before it in the same batch.
func (c *client) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.j.batch(ops)
}

func (c *client) Close(context.Context) error {
	err := c.j.close()
	c.closed()
	return err
}
