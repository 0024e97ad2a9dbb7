package main

import "syscall"

// hubProcAttr makes the kernel kill a spawned hub if natterload dies
// without stopping it.
func hubProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
