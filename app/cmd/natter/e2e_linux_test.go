package main

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes cmd end with the test process, even when the test
// binary is killed by its timeout before any cleanup runs.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
