package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// appFile is one file of the web app, read once when the hub is built.
type appFile struct {
	body        []byte
	gzipped     []byte // the name.gz copy; nil if none
	contentType string
	etag        string // of body; the gzipped copy's has "-gz" added
}

// appFiles serves the web app: each file with an ETag of its content and
// Cache-Control: no-cache, so that a browser keeps the (large) module and
// only asks whether it changed, and the gzipped copy to browsers that take
// gzip.
type appFiles struct {
	files map[string]*appFile // by path, without a leading "/"
}

// noAppPage is served at / by a hub built without the web app.
const noAppPage = `<!doctype html><meta charset="utf-8"><title>Natter</title>
<p>This Natter hub was built without its web app. Join it with the Natter app.</p>
`

// loadAppFiles reads every file of app (nil: none).
func loadAppFiles(app fs.FS) (*appFiles, error) {
	a := &appFiles{files: make(map[string]*appFile)}
	if app == nil {
		a.files["index.html"] = newAppFile("index.html", []byte(noAppPage))
		return a, nil
	}
	err := fs.WalkDir(app, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".gz") {
			return err
		}
		body, err := fs.ReadFile(app, name)
		if err != nil {
			return err
		}
		f := newAppFile(name, body)
		if gz, err := fs.ReadFile(app, name+".gz"); err == nil {
			f.gzipped = gz
		}
		a.files[name] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	if a.files["index.html"] == nil {
		return nil, fmt.Errorf("no index.html among its %d files", len(a.files))
	}
	return a, nil
}

func newAppFile(name string, body []byte) *appFile {
	sum := sha256.Sum256(body)
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".wasm":
		ct = "application/wasm" // streaming compilation needs exactly this
	case ".webmanifest":
		ct = "application/manifest+json"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &appFile{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

func (a *appFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		name = "index.html"
	}
	f := a.files[name]
	if f == nil {
		http.Error(w, fmt.Sprintf("no such page %q", r.URL.Path), http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	body, etag := f.body, f.etag
	if f.gzipped != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = f.gzipped, strings.TrimSuffix(f.etag, `"`)+`-gz"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
