# paylog — build, run and test the otelcol-paylog distribution.
GO          ?= go
BIN         := bin/otelcol-paylog
OCB_VERSION := v0.158.0
OCB         := $(shell $(GO) env GOPATH)/bin/builder
CONFIG      ?= collector-config.yaml

.PHONY: build run test test-short bench bench-load bench-vs-victorialogs bench-patterns eval generate lint clean

## build: compile the collector into bin/otelcol-paylog
build:
	$(GO) build -trimpath -o $(BIN) ./cmd/otelcol-paylog

## run: build and run the collector on the default (embedded) config; API on localhost:8000
run: build
	./$(BIN) --config $(CONFIG)

## test: build, then run every test: the unit tests under the race detector, then the end-to-end tests against the built binary
test: build
	$(GO) test -count=1 -race -timeout 15m $$($(GO) list ./... | grep -v '/test/e2e$$')
	PAYLOG_BINARY=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 15m ./test/e2e/

## test-short: unit tests only (skips the end-to-end tests that start the binary)
test-short:
	$(GO) test -count=1 -short ./...

## bench: the ingest benchmark against the built binary (see README)
bench: build
	PAYLOG_BINARY=$(CURDIR)/$(BIN) $(GO) test -run '^$$' -bench 'BenchmarkIngest$$' -benchtime 500000x -count 5 -timeout 30m ./test/e2e/

## bench-load: paylog-bench against a fresh collector, 3 runs of 1M logs (docs/benchmarks.md)
bench-load:
	scripts/bench-load.sh 3 -logs 1000000

## bench-vs-victorialogs: the same load into VictoriaLogs' own server and paylog, 3 alternated pairs (docs/benchmarks.md)
bench-vs-victorialogs:
	scripts/bench-vs-victorialogs.sh

## bench-patterns: the patterns processor's cost on the ingest benchmark (10 ABBA pairs)
bench-patterns:
	scripts/bench-patterns-overhead.sh

## eval: pattern-mining accuracy on the Loghub-2k dev set beside the repository
eval:
	scripts/eval-loghub.sh

## generate: regenerate cmd/otelcol-paylog with OCB and internal/metadata with mdatagen
generate:
	test -x $(OCB) || $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	mkdir -p cmd/otelcol-paylog
	$(OCB) --config builder-config.yaml --skip-get-modules --skip-compilation
	$(GO) generate ./...

## lint: formatting and vet
lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '^cmd/otelcol-paylog/'))"
	$(GO) vet ./...

clean:
	rm -rf bin
