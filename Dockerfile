# otelcol-paylog image. The embedded store's compression library uses cgo,
# so the binary links glibc: build and run on Debian bookworm.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -o /out/otelcol-paylog ./cmd/otelcol-paylog

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/paylog --create-home paylog
COPY --from=build /out/otelcol-paylog /usr/local/bin/otelcol-paylog
COPY collector-config.yaml /etc/paylog/collector-config.yaml
COPY config/ /etc/paylog/config/
USER paylog
WORKDIR /var/lib/paylog
# The embedded default keeps its data here; listen on every interface.
ENV PAYLOG_DATA_DIR=/var/lib/paylog/data \
    PAYLOG_ENDPOINT=0.0.0.0:8000 \
    PAYLOG_OTLP_GRPC_ENDPOINT=0.0.0.0:4317 \
    PAYLOG_OTLP_HTTP_ENDPOINT=0.0.0.0:4318 \
    PAYLOG_TELEMETRY_HOST=0.0.0.0
VOLUME /var/lib/paylog
EXPOSE 8000 4317 4318 8888
ENTRYPOINT ["/usr/local/bin/otelcol-paylog"]
CMD ["--config", "/etc/paylog/collector-config.yaml"]
