//go:build !unix || android

package main

import (
	"log/slog"

	"github.com/natter-chat/natter/app/ui"
)

// canKeepHosting: Android stops an app's process when its activity goes
// (a foreground service, which the Gio version in use does not offer,
// would be needed), and Windows has no SIGTERM for "Stop it" to send;
// there a hub ends with its window.
const canKeepHosting = false

func serveHeadless(h ui.Hosted, dataDir string, logger *slog.Logger) {
	if err := h.Close(); err != nil {
		logger.Warn("hosted hub close", "err", err)
	}
}

func findBackground(string, *slog.Logger) *ui.BackgroundHub { return nil }
