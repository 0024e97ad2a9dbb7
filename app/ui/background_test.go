package ui_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/internal/rawclient"
)

func TestHostCanKeepHostingWithTheWindowClosed(t *testing.T) {
	var kept []ui.Hosted
	h, hosted, _ := hostHarness(t, ui.Config{KeepHosting: func(hh ui.Hosted) { kept = append(kept, hh) }})
	bob := rawclient.Dial(t, hosted.Addr(), "bob")
	h.Until("bob is listed", func() bool { return h.hasUser("bob") })

	h.Press(h.UI.DisconnectButton())
	h.Press(h.UI.KeepInBackgroundButton())
	require.Len(t, kept, 1)
	assert.Same(t, hosted, kept[0], "the hosted hub is handed over")
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
	// The host's own session quits; the hub goes on serving bob.
	bob.ExpectContaining("LEAVE ", "alice")
	bob.Send("MSG still served")
	bob.Expect("MSG ")
	require.NoError(t, h.UI.Close())
	bob.Send("MSG after the window closed")
	bob.Expect("MSG ")

	// Stopping it later tells bob.
	require.NoError(t, hosted.Close())
	bob.ExpectContaining("BYE ", "shutdown")
}

func TestWithoutKeepHostingThereIsNoSuchAnswer(t *testing.T) {
	h, hosted, _ := hostHarness(t, ui.Config{})
	rawclient.Dial(t, hosted.Addr(), "bob")
	h.Until("bob is listed", func() bool { return h.hasUser("bob") })
	h.Press(h.UI.DisconnectButton())
	require.NotEmpty(t, h.UI.LeaveQuestion())
	h.Focus(h.UI.KeepInBackgroundButton())
	assert.False(t, h.Focused(h.UI.KeepInBackgroundButton()), "not offered where the platform cannot run without a window")
}

func TestLoginOffersToStopAHubLeftRunning(t *testing.T) {
	stops := 0
	h := newHarness(t, ui.Config{Background: &ui.BackgroundHub{Addr: "127.0.0.1:50000", Stop: func() error { stops++; return nil }}})
	note := h.UI.BackgroundNote()
	assert.Contains(t, note, "still running without a window, at 127.0.0.1:50000")
	assert.Contains(t, h.Labels(), note)
	h.Press(h.UI.StopBackgroundButton())
	assert.Equal(t, 1, stops)
	assert.Equal(t, "The hub that ran without a window has stopped.", h.UI.BackgroundNote())
}
