// Package web is the review desk: the page kontext serve answers at / for
// editors, reviewers and admins in a browser. It is plain HTML, CSS and a
// small script embedded in the binary (no build step, no other origin);
// the script calls the HTTP API with the API key the user pastes, so the
// page can do exactly what the key's role can do through the API.
package web

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed desk
var files embed.FS

// CSP is the Content-Security-Policy of the page and its files: scripts
// and styles from the binary only (no inline script or style, no eval),
// API calls to the same origin, no framing, no form posts anywhere.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// types are the files Asset serves, by extension.
var types = map[string]string{
	".js":  "application/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// Page returns the desk's HTML page.
func Page() []byte {
	b, err := files.ReadFile("desk/index.html")
	if err != nil {
		// The page is embedded; api.TestDeskPage serves it on every test run.
		panic(err)
	}
	return b
}

// Asset returns one of the page's scripts, style sheets or images by its
// file name, with its content type; ok is false for any other name.
func Asset(name string) (data []byte, contentType string, ok bool) {
	ctype, known := types[path.Ext(name)]
	if !known || strings.ContainsAny(name, `/\`) || !fs.ValidPath(name) {
		return nil, "", false
	}
	data, err := files.ReadFile("desk/" + name)
	if err != nil {
		return nil, "", false
	}
	return data, ctype, true
}
