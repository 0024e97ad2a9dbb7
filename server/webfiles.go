package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"testing/fstest"
	"time"
)

// appFile is one file of the web app, hashed once when the hub is built
// and read from its file system for each request: an embedded app is
// tens of megabytes, which the hub need not copy to its heap.
type appFile struct {
	name        string
	gzipped     bool // a name.gz copy is there
	onlyGzipped bool // name.gz alone is there: unzipped for the rare browser that takes no gzip
	contentType string
	etag        string // of the file; the gzipped copy's has "-gz" added
}

// appFiles serves the web app: each file with an ETag of its content and
// Cache-Control: no-cache, so that a browser keeps the (large) module and
// only asks whether it changed, and the gzipped copy to browsers that take
// gzip.
type appFiles struct {
	fsys  fs.FS
	files map[string]*appFile // by path, without a leading "/"
}

// noAppPage is served at / by a hub built without the web app.
const noAppPage = `<!doctype html><meta charset="utf-8"><title>Natter</title>
<p>This Natter hub was built without its web app. Join it with the Natter app.</p>
`

// loadAppFiles reads every file of app (nil: none).
func loadAppFiles(app fs.FS) (*appFiles, error) {
	if app == nil {
		app = fstest.MapFS{"index.html": {Data: []byte(noAppPage)}}
	}
	a := &appFiles{fsys: app, files: make(map[string]*appFile)}
	err := fs.WalkDir(app, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		plain, isGzip := strings.CutSuffix(name, ".gz")
		if isGzip {
			if _, err := fs.Stat(app, plain); err == nil {
				return nil // the copy of a file taken in its own turn
			}
			// Only the copy is kept (the module: tens of megabytes that
			// nearly every browser takes compressed).
			f, err := newAppFile(app, name, plain)
			if err != nil {
				return err
			}
			f.gzipped, f.onlyGzipped = true, true
			a.files[plain] = f
			return nil
		}
		f, err := newAppFile(app, name, name)
		if err != nil {
			return err
		}
		if _, err := fs.Stat(app, name+".gz"); err == nil {
			f.gzipped = true
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

// newAppFile hashes the file stored as stored, served as name.
func newAppFile(fsys fs.FS, stored, name string) (*appFile, error) {
	r, err := fsys.Open(stored)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("reading %s: %w", stored, err)
	}
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
	return &appFile{name: name, contentType: ct, etag: `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`}, nil
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
	file, etag := f.name, f.etag
	gzipped := f.gzipped && acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gzipped || f.onlyGzipped {
		file = f.name + ".gz"
	}
	if gzipped {
		etag = strings.TrimSuffix(f.etag, `"`) + `-gz"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	body, err := a.fsys.Open(file)
	if err != nil {
		http.Error(w, fmt.Sprintf("cannot read %q: %v", file, err), http.StatusInternalServerError)
		return
	}
	defer body.Close()
	if f.onlyGzipped && !gzipped {
		a.serveUnzipped(w, r, body, etag)
		return
	}
	rs, ok := body.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, fmt.Sprintf("cannot read %q: %v", file, err), http.StatusInternalServerError)
			return
		}
		rs = bytes.NewReader(b)
	}
	http.ServeContent(w, r, "", time.Time{}, rs)
}

// serveUnzipped sends the file whose gzip copy body is, unzipped as it
// goes: no Range, and no Content-Length, which only a browser that takes no
// gzip sees.
func (a *appFiles) serveUnzipped(w http.ResponseWriter, r *http.Request, body io.Reader, etag string) {
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	zr, err := gzip.NewReader(body)
	if err != nil {
		http.Error(w, fmt.Sprintf("cannot unzip %q: %v", r.URL.Path, err), http.StatusInternalServerError)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, zr); err != nil {
		// The status line is out: all that is left is to stop.
		panic(http.ErrAbortHandler)
	}
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
