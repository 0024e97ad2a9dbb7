package ui_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/server"
)

func TestJoinLinkForPhones(t *testing.T) {
	// Without a web app there is nothing to offer.
	plain := startHub(t, nil)
	h := newHarness(t, ui.Config{})
	h.login("alice", plain.addr)
	assert.Zero(t, h.snap().Caps.WebPort)
	assert.Empty(t, h.UI.JoinLink(h.snap().Caps.WebPort))

	hub := startHub(t, nil, func(c *server.Config) { c.Web = &server.WebConfig{Addr: "127.0.0.1:0"} })
	h = newHarness(t, ui.Config{})
	h.login("bob", hub.addr)
	h.Until("the hub's CAPS web=<port>", func() bool { return h.snap().Caps.WebPort != 0 })
	link := fmt.Sprintf("http://127.0.0.1:%d/", h.snap().Caps.WebPort)
	require.Equal(t, link, h.UI.JoinLink(h.snap().Caps.WebPort))
	h.Frame()
	assert.False(t, slices.Contains(h.Labels(), link), "the panel starts closed")
	h.Press(h.UI.JoinLinkButton())
	h.Frame()
	assert.Contains(t, h.Labels(), link)
	h.Press(h.UI.JoinLinkButton())
	h.Frame()
	assert.False(t, slices.Contains(h.Labels(), link), "a second press closes it")
}
