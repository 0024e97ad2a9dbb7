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

// hostHarness signs alice in to a hub hosted through the UI.
func hostHarness(t *testing.T) (*harness, *hosting.Hub) {
	t.Helper()
	shared := filepath.Join(t.TempDir(), "shared")
	var hosted *hosting.Hub
	h := newHarness(t, ui.Config{
		Host: func(ctx context.Context) (ui.Hosted, error) {
			hub, err := hosting.Start(ctx, hosting.Config{Addr: "127.0.0.1:0", Dir: shared, NoAnnounce: true})
			hosted = hub
			return hub, err
		},
	})
	f := h.UI.Login
	f.Nick.SetText("alice")
	h.Frame()
	f.Host.Value = true
	h.Press(f.JoinButton())
	h.Until("the chat screen shows", func() bool { return h.UI.Route() == ui.RouteChat })
	require.NotNil(t, hosted)
	return h, hosted
}

func TestHostIsAskedBeforeStoppingAHubOthersUse(t *testing.T) {
	h, hosted := hostHarness(t)
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
	h, hosted := hostHarness(t)
	h.Press(h.UI.DisconnectButton())
	assert.Empty(t, h.UI.LeaveQuestion())
	assert.Equal(t, ui.RouteLogin, h.UI.Route())
	require.NoError(t, hosted.Close())
}
