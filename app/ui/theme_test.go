package ui_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/prefs"
	"github.com/natter-chat/natter/app/ui"
)

// TestThemeFollowsTheSystemUnlessChosen checks that the app follows the
// system's dark mode by default, that a theme picked with the button
// sticks (over the system, and across runs), and that the button leads
// back to following the system.
func TestThemeFollowsTheSystemUnlessChosen(t *testing.T) {
	hub := startHub(t, nil)
	dir := t.TempDir()
	h := newHarness(t, ui.Config{DataDir: dir})
	assert.Equal(t, prefs.ThemeSystem, h.UI.ThemeChoice(), "following the system is the default")
	assert.False(t, h.UI.Dark)
	h.UI.SetSystemDark(true)
	h.Frame()
	assert.True(t, h.UI.Dark, "the system turned dark, and so did the app")
	h.login("alice", hub.addr)

	h.Press(h.UI.ThemeButton())
	assert.Equal(t, prefs.ThemeLight, h.UI.ThemeChoice(), "from a dark system the button picks light")
	assert.False(t, h.UI.Dark)
	h.UI.SetSystemDark(true)
	h.Frame()
	assert.False(t, h.UI.Dark, "a picked theme sticks whatever the system says")

	h2 := newHarness(t, ui.Config{DataDir: dir})
	h2.UI.SetSystemDark(true)
	h2.Frame()
	assert.Equal(t, prefs.ThemeLight, h2.UI.ThemeChoice(), "and across runs")
	assert.False(t, h2.UI.Dark)

	h.Press(h.UI.ThemeButton())
	assert.Equal(t, prefs.ThemeDark, h.UI.ThemeChoice())
	h.Press(h.UI.ThemeButton())
	require.Equal(t, prefs.ThemeSystem, h.UI.ThemeChoice(), "the third press follows the system again")
	h.UI.SetSystemDark(false)
	h.Frame()
	assert.False(t, h.UI.Dark, "following a system that turned light")
	p, err := prefs.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, prefs.ThemeSystem, p.ThemeChoice())

	// A theme given for one run is not remembered.
	dark := true
	h3 := newHarness(t, ui.Config{DataDir: dir, Dark: &dark})
	assert.True(t, h3.UI.Dark)
	h3.login("bob", hub.addr)
	p, err = prefs.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, prefs.ThemeSystem, p.ThemeChoice())
}
