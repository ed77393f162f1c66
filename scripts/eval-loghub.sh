#!/usr/bin/env bash
# Scores paylog-patterns on the Loghub-2k dev set (../shared/loghub-dev):
# the Content column of every system, one default configuration.
#   scripts/eval-loghub.sh [DATA_DIR] [extra paylog-patterns flags]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/loghub-dev}
shift || true
out=$(mktemp -d)
go build -o "$out/paylog-patterns" ./cmd/paylog-patterns
for dir in "$data"/*/; do
	system=$(basename "$dir")
	csv="$dir/${system}_2k.log_structured_corrected.csv"
	[ -f "$csv" ] || continue
	python3 - "$csv" > "$out/$system.content" <<'PY'
import csv, sys
csv.field_size_limit(2**31 - 1)
for row in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    print(row["Content"].replace("\n", " "))
PY
	"$out/paylog-patterns" "$@" "$out/$system.content" > "$out/$system.tsv"
done
python3 "$data/score.py" --data-dir "$data" --pred-dir "$out"
