//go:build !linux

package main

import "syscall"

func hubProcAttr() *syscall.SysProcAttr { return nil }
