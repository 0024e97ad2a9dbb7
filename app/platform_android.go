//go:build android

package main

import (
	"errors"
	"log/slog"
	"path/filepath"
	"sync"

	"gioui.org/x/notify"
)

// downloadDir is inside the app's own storage: Android apps cannot write
// to the shared Downloads folder by path.
func downloadDir(dataDir string) string {
	return filepath.Join(dataDir, "downloads")
}

// openFolder is not possible on Android: the app's folder is private.
var openFolder func(string) error

// notifier shows notifications through x/notify. On Android 13 and later
// the app needs the POST_NOTIFICATIONS permission, which x/notify cannot
// request; until the user grants it in the system settings, the calls
// fail and the failures are only logged.
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
		if _, e := n.CreateNotification(title, body); e != nil {
			return errors.Join(errors.New("notification refused (is POST_NOTIFICATIONS granted?)"), e)
		}
		return nil
	}
}
