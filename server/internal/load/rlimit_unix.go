//go:build unix

package load

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit raises the soft limit on open files to the hard limit and
// returns the limit then in force. The error says how to fix a limit that is
// still below need (one file per client, plus a margin).
func RaiseFileLimit(need uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("reading the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		// Setting it explicitly (rather than relying on the runtime's own
		// raise) also makes a hub started by this process inherit it.
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raising the open-file limit to %d: %w", lim.Max, err)
		}
	}
	if lim.Cur < need {
		return lim.Cur, fmt.Errorf("open-file limit is %d (hard limit %d) but %d clients need about %d: "+
			"raise it in the shell first, e.g. `ulimit -n %d` (as root, or after raising the hard limit in /etc/security/limits.conf)",
			lim.Cur, lim.Max, need-fileMargin, need, need)
	}
	return lim.Cur, nil
}
