//go:build !js

package main

import (
	"log/slog"
	"sync"

	"gioui.org/x/notify"
)

// notifier returns a function that shows notifications through x/notify.
// The notifier is created on first use; where there is no notification
// service (no D-Bus session, for instance) each call returns the error and
// the window logs it.
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
			return refusedNotification(e)
		}
		return nil
	}
}
