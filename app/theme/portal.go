//go:build !js

package theme

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// The freedesktop settings portal: the desktop's own answer to "does the
// user prefer a dark theme", on GNOME, KDE and the other desktops that run
// xdg-desktop-portal.
const (
	portalName      = "org.freedesktop.portal.Desktop"
	portalPath      = "/org/freedesktop/portal/desktop"
	portalRead      = "org.freedesktop.portal.Settings.Read"
	appearance      = "org.freedesktop.appearance"
	colorScheme     = "color-scheme"
	colorSchemeDark = 1 // 0 is no preference, 2 prefers light
)

// PortalDark asks the settings portal on the D-Bus session bus at address
// ("" for the session's own bus, never started for the purpose) whether
// the user prefers a dark theme. It gives up when ctx ends: a desktop
// without the portal must not hold up the window. On any error the caller
// should take the light theme.
func PortalDark(ctx context.Context, address string) (bool, error) {
	var (
		conn *dbus.Conn
		err  error
	)
	if address == "" {
		conn, err = dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
	} else {
		conn, err = dbus.Dial(address, dbus.WithContext(ctx))
	}
	if err != nil {
		return false, fmt.Errorf("theme: no session bus: %w", err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return false, fmt.Errorf("theme: session bus: %w", err)
	}
	if err := conn.Hello(); err != nil {
		return false, fmt.Errorf("theme: session bus: %w", err)
	}
	var v dbus.Variant
	call := conn.Object(portalName, portalPath).CallWithContext(ctx, portalRead, 0, appearance, colorScheme)
	if err := call.Store(&v); err != nil {
		return false, fmt.Errorf("theme: settings portal: %w", err)
	}
	// Read wraps the value in a variant of its own (ReadOne, newer, does
	// not): unwrap as many as there are.
	for range 3 {
		inner, ok := v.Value().(dbus.Variant)
		if !ok {
			break
		}
		v = inner
	}
	scheme, ok := v.Value().(uint32)
	if !ok {
		return false, errors.New("theme: settings portal: color-scheme is not a number: " + v.String())
	}
	return scheme == colorSchemeDark, nil
}
