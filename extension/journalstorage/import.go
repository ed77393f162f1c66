package journalstorage // import "github.com/paylog/paylog/extension/journalstorage"

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// importChunk bounds the values held in memory while importing.
const importChunk = 16 << 20

// importInto fills the new journal dir with what the client (kind, id,
// name) holds in the import_from storage, then deletes it there. The
// journal is built beside dir and renamed into place once complete and
// fsynced, so a crash leaves either no journal (the import runs again) or a
// whole one; a crash before the deletes leaves the keys in both, and the
// source is not read again.
func (s *journalStorage) importInto(ctx context.Context, dir string, kind component.Kind, id component.ID, name string) error {
	src, err := s.importFrom.GetClient(ctx, kind, id, name)
	if err != nil {
		return err
	}
	defer src.Close(ctx)
	walker, ok := src.(storage.Walker)
	if !ok {
		return fmt.Errorf("%s cannot list its keys (its clients do not implement storage.Walker)", s.cfg.ImportFrom)
	}
	building := dir + ".importing"
	if err := os.RemoveAll(building); err != nil {
		return err
	}
	j, err := s.openJournal(building, true)
	if err != nil {
		return err
	}
	var (
		ops   []*storage.Operation
		bytes int
		keys  int
	)
	err = walker.Walk(ctx, func(key string, value []byte) ([]*storage.Operation, error) {
		// The value is the source's only for the walk's duration.
		ops = append(ops, storage.SetOperation(key, slices.Clone(value)))
		bytes += len(key) + len(value)
		keys++
		if bytes < importChunk {
			return nil, nil
		}
		err := j.batch(ops)
		ops, bytes = ops[:0], 0
		return nil, err
	})
	if err == nil && len(ops) > 0 {
		err = j.batch(ops)
	}
	if cerr := j.close(); err == nil {
		err = cerr
	}
	if err != nil || keys == 0 {
		os.RemoveAll(building)
		return err
	}
	if err := os.Rename(building, dir); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	err = walker.Walk(ctx, func(key string, _ []byte) ([]*storage.Operation, error) {
		return []*storage.Operation{storage.DeleteOperation(key)}, nil
	})
	if err != nil {
		// They are in the journal; left in the source they are only
		// space, as it is not read again for this client.
		s.logger.Warn("Imported keys could not be deleted from the source", zap.String("source", s.cfg.ImportFrom.String()), zap.Error(err))
	}
	s.logger.Info("Imported a client's keys into its journal", zap.String("source", s.cfg.ImportFrom.String()), zap.String("dir", dir), zap.Int("keys", keys))
	return nil
}
