//go:build !android

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// refusedNotification says why a notification failed: the notification
// service's own error says it all.
func refusedNotification(err error) error { return err }
