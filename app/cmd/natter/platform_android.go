//go:build android

package main

import (
	"errors"
	"path/filepath"

	"gioui.org/app"

	"github.com/natter-chat/natter/app/folders"
)

// appFolders are all inside the app's own storage: Android apps cannot
// write to the shared Downloads folder by path.
func appFolders(override string) (folders.Folders, error) {
	dir := override
	if dir == "" {
		base, err := app.DataDir()
		if err != nil {
			return folders.Folders{}, err
		}
		dir = filepath.Join(base, folders.App)
	}
	return folders.Folders{Config: dir, Data: dir, Downloads: filepath.Join(dir, "downloads")}, nil
}

// openFolder is not possible on Android: the app's folder is private.
var openFolder func(string) error

// openFile is not possible on Android either: the file is private.
var openFile func(string) error

// refusedNotification says why a notification failed. On Android 13 and
// later the app needs the POST_NOTIFICATIONS permission, which x/notify
// cannot request; until the user grants it in the system settings, the
// calls fail and the failures are only logged.
func refusedNotification(err error) error {
	return errors.Join(errors.New("notification refused (is POST_NOTIFICATIONS granted?)"), err)
}
