//go:build !android && !js

package main

import (
	"fmt"
	"os/exec"
	"runtime"

	"github.com/natter-chat/natter/app/folders"
)

// appFolders are the platform's own folders for the app (XDG on Linux),
// or override for all of them.
func appFolders(override string) (folders.Folders, error) {
	return folders.Resolve(folders.Host(), override)
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

// openFile opens path with the desktop's program for its kind.
func openFile(path string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", path)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", path)
	default:
		cmd = exec.Command("xdg-open", path)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	// Reap the opener when it exits; it usually hands off at once.
	go func() { _ = cmd.Wait() }()
	return nil
}
