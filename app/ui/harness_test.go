package ui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/core/client"
)

// One shaper for every test: building one parses the fonts.
var testShaper = fonts.NewEmbeddedShaper()

// harness drives a ui.UI without a window, signed in to nothing yet.
type harness struct {
	*uitest.Driver
	t         *testing.T
	downloads string
}

func newHarness(t *testing.T, cfg ui.Config) *harness {
	t.Helper()
	cfg.Shaper = testShaper
	if cfg.DownloadDir == "" {
		cfg.DownloadDir = t.TempDir()
	}
	adjust := cfg.ClientConfig
	cfg.ClientConfig = func(c *client.Config) {
		c.ReconnectMin = 50 * time.Millisecond
		c.ReconnectMax = 200 * time.Millisecond
		c.DialTimeout = 2 * time.Second
		if adjust != nil {
			adjust(c)
		}
	}
	h := &harness{Driver: uitest.New(t, ui.New(cfg)), t: t, downloads: cfg.DownloadDir}
	h.Frame()
	return h
}

// fields splits a hub line into n fields, the last one taking the rest of
// the line ("MSG <time> <from> <text…>" is fields(line, 4)).
func fields(line string, n int) []string {
	parts := strings.SplitN(line, " ", n)
	for len(parts) < n {
		parts = append(parts, "")
	}
	return parts
}
