// Package webapp holds the Natter app built for the browser, as natterd
// serves it (natter/1 section 11): index.html, the app compiled to
// WebAssembly (app.wasm), Go's loader for it (wasm_exec.js), the app icon
// and a web manifest, each with a gzip copy (name.gz). The module is kept
// as app.wasm.gz alone: it is most of natterd's size.
//
// Only index.html and the manifest are kept in the source tree; `make web`
// builds the rest into dist. Without them the page says how to build
// them, and the rest of the hub works as ever.
package webapp

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// FS returns the app's files, for server.WebConfig.App.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is embedded: cannot happen
	}
	return sub
}

// Built reports whether the app itself is among the files, not only its
// page.
func Built() bool {
	for _, name := range []string{"dist/app.wasm.gz", "dist/app.wasm"} {
		if _, err := fs.Stat(dist, name); err == nil {
			return true
		}
	}
	return false
}
