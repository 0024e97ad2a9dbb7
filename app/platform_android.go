//go:build android

package main

import (
	"errors"
	"path/filepath"
)

// downloadDir is inside the app's own storage: Android apps cannot write
// to the shared Downloads folder by path.
func downloadDir(dataDir string) string {
	return filepath.Join(dataDir, "downloads")
}

// openFolder is not possible on Android: the app's folder is private.
var openFolder func(string) error

// refusedNotification says why a notification failed. On Android 13 and
// later the app needs the POST_NOTIFICATIONS permission, which x/notify
// cannot request; until the user grants it in the system settings, the
// calls fail and the failures are only logged.
func refusedNotification(err error) error {
	return errors.Join(errors.New("notification refused (is POST_NOTIFICATIONS granted?)"), err)
}
