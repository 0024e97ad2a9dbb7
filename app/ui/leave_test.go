package ui_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/internal/rawclient"
)

// hostHarness signs alice in to a hub hosted through the UI, with cfg's
// other fields; it returns the hub and its shared folder. The hub lives
// on a context of its own, as the app's does, and stops with the test.
func hostHarness(t *testing.T, cfg ui.Config) (*harness, *hosting.Hub, string) {
	t.Helper()
	shared := filepath.Join(t.TempDir(), "shared")
	var hosted *hosting.Hub
	cfg.Host = func(context.Context) (ui.Hosted, error) {
		hub, err := hosting.Start(context.Background(), hosting.Config{Addr: "127.0.0.1:0", Dir: shared, NoAnnounce: true})
		if err == nil {
			hosted = hub
			t.Cleanup(func() { hub.Close() })
		}
		return hub, err
	}
	h := newHarness(t, cfg)
	f := h.UI.Login
	f.Nick.SetText("alice")
	h.Frame()
	f.Host.Value = true
	h.Press(f.JoinButton())
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	require.NotNil(t, hosted)
	return h, hosted, shared
}

func TestHostIsAskedBeforeStoppingAHubOthersUse(t *testing.T) {
	h, hosted, _ := hostHarness(t, ui.Config{})
	bob := rawclient.Dial(t, hosted.Addr(), "bob")
	rawclient.Dial(t, hosted.Addr(), "carol")
	h.Until("bob and carol are listed", func() bool { return h.hasUser("bob") && h.hasUser("carol") })

	h.Press(h.UI.DisconnectButton())
	assert.Equal(t, "2 people are connected: leaving stops the hub for everyone. Stop it?", h.UI.LeaveQuestion())
	assert.Contains(t, h.Labels(), h.UI.LeaveQuestion(), "the question is on the screen")
	assert.Equal(t, ui.RouteChat, h.UI.Route(), "nothing stopped yet")

	// Keep hosting: the question goes, the session stays, bob is still served.
	h.Press(h.UI.KeepHostingButton())
	assert.Empty(t, h.UI.LeaveQuestion())
	assert.Equal(t, ui.RouteChat, h.UI.Route())
	bob.Send("MSG still here")
	bob.Expect("MSG ")

	// Asked again and answered "Stop the hub": everyone is told.
	h.Press(h.UI.DisconnectButton())
	require.NotEmpty(t, h.UI.LeaveQuestion())
	h.Press(h.UI.StopHubButton())
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
	bob.ExpectContaining("BYE ", "shutdown")
}

func TestHostAloneLeavesWithoutAQuestion(t *testing.T) {
	h, hosted, _ := hostHarness(t, ui.Config{})
	h.Press(h.UI.DisconnectButton())
	assert.Empty(t, h.UI.LeaveQuestion())
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
	require.NoError(t, hosted.Close())
}

func TestClosingTheWindowAsksAHostFirst(t *testing.T) {
	closed := 0
	h, hosted, _ := hostHarness(t, ui.Config{CloseWindow: func() { closed++ }})
	bob := rawclient.Dial(t, hosted.Addr(), "bob")
	h.Until("bob is listed", func() bool { return h.hasUser("bob") })

	require.True(t, h.UI.AskBeforeClose(), "the window stays open for the answer")
	h.Frame()
	assert.Equal(t, "1 person is connected: leaving stops the hub for everyone. Stop it?", h.UI.LeaveQuestion())
	h.Press(h.UI.StopHubButton())
	assert.Equal(t, 1, closed, "answered: the window closes")
	bob.ExpectContaining("BYE ", "shutdown")
	assert.False(t, h.UI.AskBeforeClose(), "nothing more to ask")
}

func TestClosingTheWindowOfAGuestAsksNothing(t *testing.T) {
	hub := startHub(t, nil)
	h := newHarness(t, ui.Config{})
	h.login("alice", hub.addr)
	assert.False(t, h.UI.AskBeforeClose())
	assert.Empty(t, h.UI.LeaveQuestion())
}
