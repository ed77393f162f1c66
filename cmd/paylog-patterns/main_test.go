package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paylog/paylog/internal/miner"
)

func TestRunPrintsLineNumberIDAndFinalTemplate(t *testing.T) {
	in := "user 1 logged in\r\nuser admin logged in\n" + strings.Repeat("x", 100_000) + "\nuser 3 logged in"
	var out bytes.Buffer
	require.NoError(t, run(strings.NewReader(in), &out, miner.Config{}, true))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 4, "a 100 kB line is one line")
	first := strings.Split(lines[0], "\t")
	require.Len(t, first, 3)
	assert.Equal(t, "1", first[0])
	assert.Equal(t, "user <*> logged in", first[2], "final template, though line 1 came before it generalised")
	assert.Equal(t, first[1], strings.Split(lines[1], "\t")[1])
	assert.True(t, strings.HasPrefix(lines[3], "4\t"+first[1]+"\t"))
}

func TestRunOnline(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(strings.NewReader("user 1 logged in\nuser admin logged in\n"), &out, miner.Config{}, false))
	assert.Equal(t, "user <*> logged in", strings.Split(strings.Split(out.String(), "\n")[0], "\t")[2])
	assert.Equal(t, "user <*> logged in", strings.Split(strings.Split(out.String(), "\n")[1], "\t")[2])
}
