package login_test

import (
	"context"
	"image"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"gioui.org/io/input"
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"
	"gioui.org/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/discovery"
)

// screen drives a ui.UI on its login screen without a window, through a
// real input.Router, the way the app's main loop does: before each frame
// it hands the search's note to the form.
type screen struct {
	t      *testing.T
	r      input.Router
	ops    op.Ops
	u      *ui.UI
	search *login.Search
}

func newScreen(t *testing.T, search *login.Search) *screen {
	t.Helper()
	cfg := ui.Config{Shaper: theme.NewShaper(), DownloadDir: t.TempDir(), Found: search.Found}
	s := &screen{t: t, u: ui.New(cfg), search: search}
	t.Cleanup(func() { require.NoError(t, s.u.Close()) })
	s.frame()
	return s
}

func (s *screen) frame() {
	s.ops.Reset()
	s.u.Login.SearchNote = s.search.Note()
	gtx := layout.Context{
		Ops:         &s.ops,
		Now:         time.Now(),
		Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(image.Pt(1024, 700)),
		Source:      s.r.Source(),
	}
	s.u.Layout(gtx)
	s.r.Frame(&s.ops)
}

func (s *screen) until(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting until %s; labels: %q", what, s.labels())
		}
		time.Sleep(10 * time.Millisecond)
		s.frame()
	}
}

// press focuses the clickable and presses Return on it, which clicks it
// only if it was laid out, enabled, in the last frame.
func (s *screen) press(btn *widget.Clickable) {
	s.t.Helper()
	require.NotNil(s.t, btn, "no such button")
	s.r.Source().Execute(key.FocusCmd{Tag: btn})
	s.frame()
	require.True(s.t, s.r.Source().Focused(btn), "the button is not on screen or not enabled")
	s.r.Queue(key.Event{Name: key.NameReturn, State: key.Press}, key.Event{Name: key.NameReturn, State: key.Release})
	s.frame()
	s.frame()
}

func (s *screen) labels() []string {
	var out []string
	for _, n := range s.r.AppendSemantics(nil) {
		if n.Desc.Label != "" {
			out = append(out, n.Desc.Label)
		}
	}
	return out
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
	f := s.u.Login

	s.until("the hub is listed", func() bool { return f.FoundButton(hub.Addr()) != nil })
	assert.Positive(t, changes.Load(), "the window was asked for a frame")
	labels := s.labels()
	assert.Contains(t, labels, "Attic hub")
	assert.Contains(t, labels, hub.Addr())
	assert.Contains(t, labels, "0 users")
	assert.NotContains(t, labels, "No hubs found on this network — enter an address.")
	assert.Empty(t, f.SearchNote, "the probe path works")

	f.Nick.SetText("alice")
	f.Addr.SetText("somewhere.else:1")
	s.press(f.FoundButton(hub.Addr()))
	assert.Equal(t, hub.Addr(), f.Addr.Text(), "one click fills the address")
	s.press(f.JoinButton())
	s.until("the chat screen shows", func() bool { return s.u.Route() == ui.RouteChat })

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
	labels := s.labels()
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
