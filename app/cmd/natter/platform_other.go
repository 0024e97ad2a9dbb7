//go:build !android && !js

package main

import (
	"fmt"
	"os/exec"

	"github.com/natter-chat/natter/app/folders"
)

// appFolders are the platform's own folders for the app (XDG on Linux),
// or override for all of them.
func appFolders(override string) (folders.Folders, error) {
	return folders.Resolve(folders.Host(), override)
}

// openFolder shows dir in the desktop's file manager.
func openFolder(dir string) error { return startReaped(desktopOpener(dir, true), dir) }

// refusedNotification says why a notification failed: the notification
// service's own error says it all.
func refusedNotification(err error) error { return err }

// openFile opens path with the desktop's program for its kind.
func openFile(path string) error { return startReaped(desktopOpener(path, false), path) }

// startReaped starts cmd, the opener of target, and reaps it when it
// exits; it usually hands off at once.
func startReaped(cmd *exec.Cmd, target string) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s: %w", target, err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
