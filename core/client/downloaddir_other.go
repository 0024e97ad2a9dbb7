//go:build !js

package client

import "os"

// makeDownloadDir creates the download folder when a download starts.
func makeDownloadDir(path string) error { return os.MkdirAll(path, 0o755) }
