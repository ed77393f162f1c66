# Shared by the bench scripts (sourced, not run): builds the binaries, keeps
# a scratch directory, and starts and stops one server at a time in it.
#   source "$(dirname "$0")/bench-lib.sh"
make build >/dev/null
go build -o bin/paylog-bench ./cmd/paylog-bench
work=$(mktemp -d)
pid=
cleanup() {
	stop_server
	rm -rf "$work"
}
trap cleanup EXIT

# port prints a free local port.
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_health PORT waits until GET /health on PORT answers 2xx.
wait_health() {
	for _ in $(seq 100); do curl -fs "http://127.0.0.1:$1/health" >/dev/null && return; sleep 0.2; done
	echo "no /health on port $1" >&2
	exit 1
}

# start_paylog starts the collector on the default config with an empty
# $work/data and free ports; it sets api, telemetry and pid.
start_paylog() {
	api=$(port) telemetry=$(port)
	rm -rf "$work/data"
	PAYLOG_DATA_DIR="$work/data" PAYLOG_ENDPOINT="127.0.0.1:$api" PAYLOG_TELEMETRY_PORT="$telemetry" \
		PAYLOG_OTLP_GRPC_ENDPOINT="127.0.0.1:$(port)" PAYLOG_OTLP_HTTP_ENDPOINT="127.0.0.1:$(port)" \
		bin/otelcol-paylog --config collector-config.yaml >"$work/collector.log" 2>&1 &
	pid=$!
	wait_health "$api"
}

# stop_server stops the server started last, if any.
stop_server() {
	if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	pid=
}
