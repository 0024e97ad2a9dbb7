package login_test

import (
	"context"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/core/discovery"
)

// screen drives a ui.UI on its login screen without a window, the way the
// app's main loop does: before each frame it hands the search's note to the
// form.
type screen struct {
	*uitest.Driver
	search *login.Search
}

func newScreen(t *testing.T, search *login.Search) *screen {
	t.Helper()
	cfg := ui.Config{Shaper: theme.NewShaper(), DownloadDir: t.TempDir(), Found: search.Found}
	s := &screen{Driver: uitest.New(t, ui.New(cfg)), search: search}
	s.BeforeFrame = func() { s.UI.Login.SearchNote = s.search.Note() }
	s.Frame()
	return s
}

// loopbackSearch searches by probes sent to the given UDP ports on
// 127.0.0.1 only.
func loopbackSearch(t *testing.T, changed func(), udpPorts ...int) *login.Search {
	t.Helper()
	var targets []netip.AddrPort
	for _, p := range udpPorts {
		targets = append(targets, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p)))
	}
	s := login.StartSearch(discovery.BrowserOptions{
		DisableMDNS: true, NoInterfaceBroadcast: true, NoLimitedBroadcast: true,
		ProbeTargets: targets, ProbeInterval: time.Second,
	}, changed)
	t.Cleanup(s.Close)
	return s
}

func TestFoundHubFillsTheAddressAndJoins(t *testing.T) {
	hub, err := hosting.Start(context.Background(), hosting.Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), Name: "Attic hub"})
	require.NoError(t, err)
	defer hub.Close()
	var changes atomic.Int32
	search := loopbackSearch(t, func() { changes.Add(1) }, hub.UDPPort())
	s := newScreen(t, search)
	f := s.UI.Login

	s.Until("the hub is listed", func() bool { return f.FoundButton(hub.Addr()) != nil })
	assert.Positive(t, changes.Load(), "the window was asked for a frame")
	labels := s.Labels()
	assert.Contains(t, labels, "Attic hub")
	assert.Contains(t, labels, hub.Addr())
	assert.Contains(t, labels, "0 users")
	assert.NotContains(t, labels, "No hubs found on this network — enter an address.")
	assert.Empty(t, f.SearchNote, "the probe path works")

	f.Nick.SetText("alice")
	f.Addr.SetText("somewhere.else:1")
	s.Press(f.FoundButton(hub.Addr()))
	assert.Equal(t, hub.Addr(), f.Addr.Text(), "one click fills the address")
	s.Press(f.JoinButton())
	s.Until("the chat screen shows", func() bool { return s.UI.Route() == ui.RouteChat })

	// The hub now counts alice, and says so in its answers.
	require.Eventually(t, func() bool {
		found := search.Found()
		return len(found) == 1 && found[0].Users == 1
	}, 20*time.Second, 10*time.Millisecond)
}

func TestBrokenSearchSaysWhy(t *testing.T) {
	search := login.StartSearch(discovery.BrowserOptions{ProbePort: 70000}, nil)
	defer search.Close()
	s := newScreen(t, search)
	labels := s.Labels()
	assert.Contains(t, labels, "LAN search unavailable: discovery: probe port 70000 out of range 1-65535")
	assert.Contains(t, labels, "No hubs found on this network — enter an address.")
	assert.Empty(t, search.Found())
}

func TestSearchNote(t *testing.T) {
	ok := func(path string) discovery.PathStatus {
		return discovery.PathStatus{Path: path, Enabled: true, Working: true, Using: []string{"eth0"}}
	}
	bad := func(path, why string) discovery.PathStatus {
		return discovery.PathStatus{Path: path, Enabled: true, Problems: []string{why}}
	}
	off := func(path string) discovery.PathStatus { return discovery.PathStatus{Path: path} }
	mc, bc := discovery.PathMulticast, discovery.PathBroadcast
	for _, tt := range []struct {
		st   discovery.BrowserStatus
		want string
	}{
		{discovery.BrowserStatus{Multicast: ok(mc), Broadcast: ok(bc)}, ""},
		{discovery.BrowserStatus{Multicast: discovery.PathStatus{Path: mc, Enabled: true}, Broadcast: discovery.PathStatus{Path: bc, Enabled: true}}, ""},
		{discovery.BrowserStatus{Multicast: bad(mc, "no interface with multicast"), Broadcast: ok(bc)},
			"Searching by broadcast only (multicast: no interface with multicast)"},
		{discovery.BrowserStatus{Multicast: ok(mc), Broadcast: bad(bc, "sendto 255.255.255.255:50000 failed: network is unreachable")},
			"Searching by multicast DNS only (broadcast: sendto 255.255.255.255:50000 failed: network is unreachable)"},
		{discovery.BrowserStatus{Multicast: bad(mc, "wlan0 (IPv4): no buffer space"), Broadcast: bad(bc, "no address to probe")},
			"LAN search unavailable: multicast: wlan0 (IPv4): no buffer space; broadcast: no address to probe"},
		{discovery.BrowserStatus{Multicast: off(mc), Broadcast: bad(bc, "no address to probe")},
			"LAN search unavailable: broadcast: no address to probe"},
	} {
		assert.Equal(t, tt.want, login.SearchNote(tt.st))
	}
}

func TestUsersText(t *testing.T) {
	assert.Equal(t, "0 users", login.UsersText(0))
	assert.Equal(t, "1 user", login.UsersText(1))
	assert.Equal(t, "12 users", login.UsersText(12))
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
