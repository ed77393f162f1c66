package logquery

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/esdsl")

// TestElasticsearchGolden pins the query DSL of every expression of the
// meaning table (testdata/esdsl/<name>.json, for a reviewer to read).
func TestElasticsearchGolden(t *testing.T) {
	for _, tc := range MeaningCases {
		t.Run(tc.Name, func(t *testing.T) {
			n, err := Parse(tc.Expression)
			require.NoError(t, err)
			got, err := json.MarshalIndent(map[string]any{"expression": tc.Expression, "matches": tc.Matches, "query": ToElasticsearch(n)}, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", "esdsl", tc.Name+".json")
			if *updateGolden {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "missing golden file: go test ./internal/logquery -run Golden -update")
			require.Equal(t, string(want), string(got))
		})
	}
}
