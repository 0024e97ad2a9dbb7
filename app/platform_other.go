//go:build !android

package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"

	"gioui.org/x/notify"
)

// downloadDir is the user's Downloads folder when there is one, else a
// folder in the app's data folder.
func downloadDir(dataDir string) string {
	if home, err := os.UserHomeDir(); err == nil {
		d := filepath.Join(home, "Downloads")
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return filepath.Join(dataDir, "downloads")
}

// openFolder shows dir in the desktop's file manager.
func openFolder(dir string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", dir)
	case "windows":
		cmd = exec.Command("explorer", dir)
	default:
		cmd = exec.Command("xdg-open", dir)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	// Reap the opener when it exits; it usually hands off at once.
	go func() { _ = cmd.Wait() }()
	return nil
}

// notifier returns a function that shows desktop notifications. The
// notifier is created on first use; where there is no notification service
// (no D-Bus session, for instance) each call returns the error and the
// window logs it.
func notifier(logger *slog.Logger) func(title, body string) error {
	var (
		once sync.Once
		n    notify.Notifier
		err  error
	)
	return func(title, body string) error {
		once.Do(func() {
			n, err = notify.NewNotifier()
			if err != nil {
				logger.Info("notifications unavailable", "err", err)
			}
		})
		if err != nil {
			return err
		}
		_, e := n.CreateNotification(title, body)
		return e
	}
}
