package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

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
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			// A browser cannot send a bearer header on navigation: it gets
			// a form that keeps the token in a cookie tenant_auth reads.
			CorrelationID(w, r)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, tokenPage)
			return
		}
	}
	WriteError(w, status, code, field, msg, CorrelationID(w, r))
}

// TokenCookie is the cookie the token form sets and tenant_auth accepts
// besides the Authorization header.
const TokenCookie = "paylog_token"

// tokenPage asks a browser for its bearer token; SameSite=Strict keeps the
// cookie off requests other sites start.
const tokenPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>paylog: sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;color:#1b1f24}
input{width:100%;padding:.5rem;margin:.5rem 0;font:inherit}button{padding:.4rem 1rem;font:inherit}</style></head>
<body><h1>paylog</h1><form id="f"><label for="t">This server needs a bearer token.</label>
<input id="t" type="password" autocomplete="current-password" required autofocus><button>Continue</button></form>
<script>document.getElementById("f").addEventListener("submit",function(e){e.preventDefault();
document.cookie="` + TokenCookie + `="+encodeURIComponent(document.getElementById("t").value)+"; path=/; SameSite=Strict"+(location.protocol==="https:"?"; Secure":"");
location.reload();});</script></body></html>`

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
