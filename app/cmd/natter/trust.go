package main

import (
	"log/slog"
	"path/filepath"

	"github.com/natter-chat/natter/core/identity"
)

// trustFiles returns the pins of the hub keys met and the device's
// identity, both kept in the configuration folder dir (mode 0600). The
// identity is made on the first start; when it cannot be read or made,
// the app goes on without presenting one, and says why in the log.
func trustFiles(dir string, logger *slog.Logger) (*identity.PinStore, *identity.Identity) {
	pins := identity.NewPinStore(filepath.Join(dir, "pins"))
	device, err := identity.LoadOrCreateDevice(dir)
	if err != nil {
		logger.Warn("no device identity; joining without one", "err", err)
		return pins, nil
	}
	return pins, device
}
