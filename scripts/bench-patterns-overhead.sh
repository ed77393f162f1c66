#!/usr/bin/env bash
# Measures the patterns processor's cost on BenchmarkIngest: the default
# config against the same config without the processor, in ABBA order (so
# that drift of a noisy machine falls on both), and prints the medians.
#   scripts/bench-patterns-overhead.sh [PAIRS=10] [LOGS=500000]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-10}
logs=${2:-500000}
make build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp collector-config.yaml "$work/with.yaml"
sed 's/processors: \[memory_limiter, patterns\]/processors: [memory_limiter]/' collector-config.yaml >"$work/without.yaml"
grep -q 'processors: \[memory_limiter\]$' "$work/without.yaml" || { echo "could not remove the processor from the config" >&2; exit 1; }

run() { # config → "acked stored cpu_us_per_log"
	PAYLOG_E2E_CONFIG="$1" PAYLOG_BINARY="$PWD/bin/otelcol-paylog" go test -run '^$' -bench 'BenchmarkIngest$' \
		-benchtime "${logs}x" -count 1 -timeout 20m ./test/e2e/ |
		awk '/^BenchmarkIngest/ { for (i = 1; i <= NF; i++) { if ($i == "acked_logs/s") a = $(i-1); if ($i == "stored_logs/s") s = $(i-1); if ($i == "cpu_us/log") u = $(i-1) } print a, s, u }'
}
for ((p = 0; p < pairs; p++)); do
	if ((p % 2 == 0)); then order="with without"; else order="without with"; fi
	for c in $order; do
		echo "$c $(run "$work/$c.yaml")" | tee -a "$work/results"
	done
done
python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = lambda name, col: statistics.median(float(r[col]) for r in rows if r[0] == name)
for col, what in ((1, "acked"), (2, "stored")):
    w, wo = med("with", col), med("without", col)
    print(f"{what:6} logs/s median: with patterns {w:,.0f}, without {wo:,.0f}, overhead {100 * (1 - w / wo):.1f}%")
w, wo = med("with", 3), med("without", 3)
print(f"collector CPU per log median: with patterns {w:.1f} µs, without {wo:.1f} µs, overhead {100 * (w / wo - 1):.1f}%")
# Each pair's own ratio, then their median: steadier than the ratio of the
# medians when the machine drifts between pairs.
pairs = [dict((r[0], [float(x) for x in r[1:]]) for r in rows[i:i + 2]) for i in range(0, len(rows) - 1, 2)]
ratio = lambda col, f: statistics.median(f(p["with"][col], p["without"][col]) for p in pairs)
print("median of the pairs' ratios: acked %.1f%%, stored %.1f%% fewer; CPU per log %.1f%% more" % (
    100 * ratio(0, lambda w, wo: 1 - w / wo), 100 * ratio(1, lambda w, wo: 1 - w / wo), 100 * ratio(2, lambda w, wo: w / wo - 1)))
PY
