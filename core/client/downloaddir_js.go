//go:build js

package client

// makeDownloadDir has nothing to make in a browser, which saves downloads
// where its user chose (see httpEngine.download).
func makeDownloadDir(string) error { return nil }
