//go:build unix

package server

import "syscall"

// openNoFollow makes an open fail on a symlink.
const openNoFollow = syscall.O_NOFOLLOW
