#!/usr/bin/env bash
# Runs paylog-bench against a fresh collector on the default config (its own
# data directory and ports), RUNS times, and prints each report plus the
# medians. Extra arguments go to paylog-bench.
#   scripts/bench-load.sh [RUNS=3] [paylog-bench flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
source scripts/bench-lib.sh

for ((r = 1; r <= runs; r++)); do
	start_paylog
	echo "== run $r of $runs" >&2
	bin/paylog-bench -url "http://127.0.0.1:$api" -telemetry-url "http://127.0.0.1:$telemetry/metrics" \
		-data-dir "$work/data" -json "$@" >"$work/run-$r.json"
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); b = r.get("batch_ingest") or {}; s = r.get("single_ingest") or {}; v = r.get("server") or {}; print("acked %.0f logs/s, searchable %.0f logs/s, single p95 %s ms, data %.1f%% of the raw JSON (settled %.1f%%)" % (b.get("acked_logs_per_sec", 0), b.get("stored_logs_per_sec", 0), s.get("latency", {}).get("p95_ms"), 100 * v.get("data_to_raw_json", 0), 100 * v.get("settled_data_to_raw_json", 0)), file=sys.stderr)' "$work/run-$r.json"
	stop_server
done
python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
reports = [json.load(open(f"{work}/run-{r}.json")) for r in range(1, runs + 1)]
def med(f):
    values = [v for v in (f(r) for r in reports) if v is not None]
    return statistics.median(values) if values else float("nan")
b = lambda r: r.get("batch_ingest") or {}
s = lambda r: r.get("single_ingest") or {}
print(f"medians of {runs} runs:")
print(f"  batch ingest acknowledged  {med(lambda r: b(r).get('acked_logs_per_sec')):>12,.0f} logs/s")
print(f"  batch ingest searchable    {med(lambda r: b(r).get('stored_logs_per_sec')):>12,.0f} logs/s")
print(f"  batch latency p50 / p95    {med(lambda r: b(r).get('batch_latency', {}).get('p50_ms')):>8.1f} / {med(lambda r: b(r).get('batch_latency', {}).get('p95_ms')):.1f} ms")
print(f"  single ingest p50 / p95    {med(lambda r: s(r).get('latency', {}).get('p50_ms')):>8.1f} / {med(lambda r: s(r).get('latency', {}).get('p95_ms')):.1f} ms")
for i, search in enumerate(reports[0].get("searches", [])):
    p50 = med(lambda r: r["searches"][i]["latency"]["p50_ms"]); p95 = med(lambda r: r["searches"][i]["latency"]["p95_ms"])
    print(f"  search {search['name']:<20} p50 {p50:7.1f} ms, p95 {p95:7.1f} ms")
print(f"  server RSS                 {med(lambda r: r['server'].get('rss_bytes', 0)) / 2**20:>8.0f} MiB")
print(f"  data / raw JSON            {100 * med(lambda r: r['server'].get('data_to_raw_json', 0)):>8.1f} %")
print(f"  settled data / raw JSON    {100 * med(lambda r: r['server'].get('settled_data_to_raw_json', 0)):>8.1f} %")
print(f"  errors (all runs)          {sum((b(r).get('errors', 0) + s(r).get('errors', 0) + sum(x['errors'] for x in r.get('searches', []))) for r in reports):>8}")
PY
