package main

import (
	"context"
	"log/slog"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui"
)

// hoster starts a hub on this device sharing dir and keeping its database
// in dataDir, on port 50000 or, when that is taken, a free port.
func hoster(dir, dataDir string, logger *slog.Logger) ui.Hoster {
	return func(ctx context.Context) (ui.Hosted, error) {
		return hosting.Start(ctx, hosting.Config{Dir: dir, DataDir: dataDir, Logger: logger})
	}
}
