//go:build !unix

package load

// RaiseFileLimit does nothing where there is no RLIMIT_NOFILE; it reports
// the need as met.
func RaiseFileLimit(need uint64) (uint64, error) { return need, nil }
