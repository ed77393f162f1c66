#!/usr/bin/env bash
# Ingests the same generated workload into VictoriaLogs' own server (built
# from source at the version paylog embeds) and into paylog on its default
# config, alternately, PAIRS times, with the same paylog-bench client
# settings (NDJSON, 1,000 per batch, 4 clients), and prints the medians.
# VictoriaLogs answers once entries are in its memory buffers; paylog once
# they are fsynced in its queue.
#   scripts/bench-vs-victorialogs.sh [PAIRS=3] [LOGS=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
logs=${2:-1000000}
source scripts/bench-lib.sh

# VictoriaLogs' server, from the module paylog's store comes from.
version=$(go list -m -f '{{.Version}}' github.com/VictoriaMetrics/VictoriaLogs)
mkdir "$work/vlbuild"
(cd "$work/vlbuild" && go mod init vlbuild >/dev/null 2>&1 &&
	go get "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@$version" >/dev/null 2>&1 &&
	go build -o "$work/victoria-logs" github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs)

acked() { python3 -c 'import json, sys; r = json.load(sys.stdin); b = r["batch_ingest"]; assert r.get("errors", 0) == 0 and b["errors"] == 0, "errors"; print("%.0f %.0f" % (b["acked_logs_per_sec"], b.get("stored_logs_per_sec", 0)))'; }
client=(-logs "$logs" -format ndjson -single-rate 0 -searches 0 -settle 0 -json)

for ((p = 1; p <= pairs; p++)); do
	api=$(port)
	rm -rf "$work/vl"
	"$work/victoria-logs" -storageDataPath "$work/vl" -httpListenAddr "127.0.0.1:$api" -loggerLevel ERROR >"$work/vl.log" 2>&1 &
	pid=$!
	wait_health "$api"
	echo "victorialogs $(bin/paylog-bench -url "http://127.0.0.1:$api" "${client[@]}" -wait-stored 0 -telemetry-url '' \
		-ingest-path '/insert/jsonline?_msg_field=message&_time_field=timestamp&_stream_fields=service' 2>>"$work/bench.log" | acked)" | tee -a "$work/results"
	stop_server

	start_paylog
	echo "paylog $(bin/paylog-bench -url "http://127.0.0.1:$api" "${client[@]}" -telemetry-url '' 2>>"$work/bench.log" | acked)" | tee -a "$work/results"
	stop_server
done
python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = lambda name, col: statistics.median(float(r[col]) for r in rows if r[0] == name)
vl, pl = med("victorialogs", 1), med("paylog", 1)
print(f"acknowledged logs/s, median of {len(rows) // 2}: VictoriaLogs {vl:,.0f}, paylog {pl:,.0f} ({pl / vl:.2f}x); paylog searchable {med('paylog', 2):,.0f}")
PY
