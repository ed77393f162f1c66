package searchapi // import "github.com/paylog/paylog/extension/searchapi"

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/paylog/paylog/internal/httpapi"
)

// webFiles are the log explorer, the API description and the vendored
// Swagger UI (scripts/vendor-swagger-ui.sh): plain files, no build step.
//
//go:embed web
var webFiles embed.FS

func (s *searchAPI) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	s.serveWebFile(w, r, "web/openapi.json")
}

func (s *searchAPI) handleDocs(w http.ResponseWriter, r *http.Request) {
	s.serveWebFile(w, r, "web/docs.html")
}

// handleAssets serves /ui/<file> from web/.
func (s *searchAPI) handleAssets(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(strings.TrimPrefix(r.URL.Path, "/ui/"))
	if name == "." || strings.HasPrefix(name, "..") || strings.HasSuffix(name, ".html") || name == "openapi.json" {
		s.notFound(w, r)
		return
	}
	s.serveWebFile(w, r, "web/"+name)
}

func (s *searchAPI) serveWebFile(w http.ResponseWriter, r *http.Request, name string) {
	httpapi.CorrelationID(w, r)
	if _, err := fs.Stat(webFiles, name); err != nil {
		s.notFound(w, r)
		return
	}
	// The files change with the binary only; revalidate rather than guess.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(w, r, webFiles, name)
}
