//go:build !js

package main

import (
	"context"
	"log/slog"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui"
)

// hoster starts a hub on this device sharing dir, on port 50000 or, when
// that is taken, a free port, and TLS on the next one with the key kept
// in dataDir.
func hoster(dir, dataDir string, logger *slog.Logger) ui.Hoster {
	return func(context.Context) (ui.Hosted, error) {
		// Not the UI's context, which ends with the window: a hub the host
		// keeps running outlives it. The UI closes the hub otherwise.
		return hosting.Start(context.Background(), hosting.Config{Dir: dir, DataDir: dataDir, Logger: logger})
	}
}
