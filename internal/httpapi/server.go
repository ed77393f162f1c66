package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
)

// StartServer listens on cfg's endpoint (so a busy port fails Start, not
// later), builds the server with confighttp (TLS, auth, CORS, decompression,
// body limits) and serves handler in the background. A serve error after
// start is reported to the host as fatal.
func StartServer(ctx context.Context, cfg *confighttp.ServerConfig, host component.Host,
	settings component.TelemetrySettings, handler http.Handler,
) (*http.Server, error) {
	ln, err := cfg.ToListener(ctx)
	if err != nil {
		return nil, err
	}
	srv, err := cfg.ToServer(ctx, host.GetExtensions(), settings, handler,
		confighttp.WithErrorHandler(writeTransportError))
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	return srv, nil
}

// writeTransportError answers errors raised before a handler runs (a body
// that cannot be decompressed, an unknown Content-Encoding) in the API's shape.
func writeTransportError(w http.ResponseWriter, r *http.Request, msg string, status int) {
	code := CodeInvalidParameter
	field := "Content-Encoding"
	switch status {
	case http.StatusRequestEntityTooLarge:
		code, field = CodeBodyTooLarge, "body"
	case http.StatusUnsupportedMediaType:
		code = CodeUnsupportedMediaType
	case http.StatusUnauthorized:
		// The server's authenticator (tenant_auth, bearertokenauth) refused it.
		code, field = CodeUnauthorized, "Authorization"
		w.Header().Set("WWW-Authenticate", `Bearer realm="paylog"`)
	}
	WriteError(w, status, code, field, msg, CorrelationID(w, r))
}

// StopServer shuts srv down gracefully; it is a no-op for a nil server.
func StopServer(ctx context.Context, srv *http.Server) error {
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// Mounter is implemented by extensions that serve HTTP (searchapi): a
// receiver mounts its routes on that server instead of opening a port.
type Mounter interface {
	// Mount serves h at path (an exact path) until unmount is called.
	Mount(path string, h http.Handler) (unmount func(), err error)
	// AddMetrics has GET /metrics include what write writes (Prometheus
	// text) until remove is called.
	AddMetrics(write func(w io.Writer)) (remove func())
}
