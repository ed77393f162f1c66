package miner

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// snapshotVersion tags the snapshot format, so a later format can read or
// refuse an older one.
const snapshotVersion = "pm1"

type snapshot struct {
	Version  string            `json:"v"`
	Clusters []snapshotCluster `json:"clusters"`
}

type snapshotCluster struct {
	ID       string   `json:"id"`
	Tokens   []string `json:"tokens"`
	Size     uint64   `json:"size"`
	LastUsed uint64   `json:"last_used"`
}

// Snapshot returns the miner's clusters, so that a restarted miner keeps
// assigning the same ids.
func (m *Miner) Snapshot() ([]byte, error) {
	m.mu.Lock()
	s := snapshot{Version: snapshotVersion, Clusters: make([]snapshotCluster, 0, len(m.byID))}
	for _, c := range m.byID {
		s.Clusters = append(s.Clusters, snapshotCluster{ID: c.id, Tokens: append([]string(nil), c.tokens...), Size: c.size, LastUsed: c.lastUsed})
	}
	m.mu.Unlock()
	sort.Slice(s.Clusters, func(i, j int) bool { return s.Clusters[i].LastUsed < s.Clusters[j].LastUsed })
	return json.Marshal(s)
}

var errSnapshotVersion = errors.New("unknown pattern snapshot format")

// Restore replaces the miner's clusters with those of a Snapshot. Clusters
// beyond MaxClusters (the least recently used) are left out.
func (m *Miner) Restore(data []byte) error {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("read pattern snapshot: %w", err)
	}
	if s.Version != snapshotVersion {
		return fmt.Errorf("%w %q", errSnapshotVersion, s.Version)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.root = map[int]*node{}
	m.byID = map[string]*cluster{}
	m.tick = 0
	// Clusters remembered for shapes are gone with the tree.
	m.version++
	clusters := s.Clusters
	if len(clusters) > m.cfg.MaxClusters {
		clusters = clusters[len(clusters)-m.cfg.MaxClusters:]
	}
	for _, sc := range clusters {
		if sc.ID == "" || len(sc.Tokens) == 0 {
			continue
		}
		c := &cluster{id: sc.ID, tokens: sc.Tokens, template: strings.Join(sc.Tokens, " "), size: sc.Size, lastUsed: sc.LastUsed}
		leaf := m.leaf(c.tokens)
		leaf.clusters = append(leaf.clusters, c)
		m.byID[c.id] = c
		m.tick = max(m.tick, c.lastUsed)
	}
	return nil
}
