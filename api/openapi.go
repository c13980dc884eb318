package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"
)

// openapiYAML is the API's OpenAPI 3.1 document, maintained by hand next to
// the handlers it describes; the tests compare it with the router in both
// directions and validate real responses against its schemas.
//
//go:embed openapi.yaml
var openapiYAML []byte

// docsFiles holds the /docs page: Swagger UI vendored by
// scripts/vendor-docs.sh and the page and script that start it.
//
//go:embed docs
var docsFiles embed.FS

// OpenAPI returns the API's OpenAPI document as JSON.
func OpenAPI() []byte {
	b, err := openapiJSON()
	if err != nil {
		// The document is embedded; a test parses it on every build.
		panic(err)
	}
	return b
}

var openapiJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return b, nil
})

func (s *Server) openapi(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", OpenAPI())
}

// docsCSP lets the /docs page load its own scripts, styles and images and
// fetch /openapi.json, and nothing else: no inline script, no other origin.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsTypes are the files /docs/:file serves, by extension.
var docsTypes = map[string]string{
	".js":  "application/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
}

func docsHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (s *Server) docs(c *gin.Context) {
	page, err := docsFiles.ReadFile("docs/index.html")
	if err != nil {
		writeError(c, err)
		return
	}
	docsHeaders(c)
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", page)
}

func (s *Server) docsAsset(c *gin.Context) {
	name := c.Param("file")
	ctype, ok := docsTypes[path.Ext(name)]
	if !ok || strings.ContainsAny(name, `/\`) || !fs.ValidPath(name) {
		writeError(c, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such file"})
		return
	}
	data, err := docsFiles.ReadFile("docs/" + name)
	if err != nil {
		writeError(c, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such file"})
		return
	}
	docsHeaders(c)
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, ctype, data)
}
