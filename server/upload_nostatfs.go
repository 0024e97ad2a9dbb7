//go:build !(linux || darwin || freebsd)

package server

// freeSpace returns -1: the free space is not known on this system, and
// uploads are checked only as they are written.
func freeSpace(dir string) (int64, error) { return -1, nil }
