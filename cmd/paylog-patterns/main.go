// Command paylog-patterns mines log templates from a file (or stdin), one
// message per line, with the same miner and defaults as the patterns
// processor, and prints line_number<TAB>pattern_id<TAB>template (1-based).
//
//	paylog-patterns app.log
//	cut -d' ' -f5- app.log | paylog-patterns -similarity 0.6
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/paylog/paylog/internal/miner"
)

func main() {
	// The processor's defaults; flag prints them with each flag.
	cfg := miner.DefaultConfig()
	flag.Float64Var(&cfg.Similarity, "similarity", cfg.Similarity, "share of a template's constant words a line must match")
	flag.IntVar(&cfg.Depth, "depth", cfg.Depth, "leading tokens that route a line")
	flag.IntVar(&cfg.MaxClusters, "max-patterns", cfg.MaxClusters, "patterns kept in memory")
	flag.IntVar(&cfg.MaxTokens, "max-tokens", cfg.MaxTokens, "tokens per line")
	flag.IntVar(&cfg.MaxMessageBytes, "max-message-bytes", cfg.MaxMessageBytes, "bytes of a line that are mined")
	final := flag.Bool("final", true, "print each line's pattern as it reads at the end of the input (false: as it read when the line arrived)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [flags] [file]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	in := io.Reader(os.Stdin)
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	if flag.NArg() == 1 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	if err := run(in, os.Stdout, cfg, *final); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer, cfg miner.Config, final bool) error {
	m := miner.New(cfg)
	r := bufio.NewReaderSize(in, 1<<20)
	w := bufio.NewWriterSize(out, 1<<20)
	defer w.Flush()
	var matches []miner.Match
	for n := 1; ; n++ {
		// ReadString has no line-length limit (bufio.Scanner stops at 64 KiB).
		line, err := r.ReadString('\n')
		if line == "" && err != nil {
			if err == io.EOF {
				break
			}
			return err
		}
		line = trimNewline(line)
		match := m.Add(line)
		if final {
			matches = append(matches, match)
			continue
		}
		fmt.Fprintf(w, "%d\t%s\t%s\n", n, match.ID, match.Template)
	}
	for i, match := range matches {
		template, _ := m.Template(match.ID)
		if template == "" {
			template = match.Template // evicted since
		}
		fmt.Fprintf(w, "%d\t%s\t%s\n", i+1, match.ID, template)
	}
	return nil
}

func trimNewline(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		s = s[:n-1]
		if n := len(s); n > 0 && s[n-1] == '\r' {
			s = s[:n-1]
		}
	}
	return s
}
