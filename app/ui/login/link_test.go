package login_test

import (
	"image"
	"net/netip"
	"testing"

	"gioui.org/layout"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/core/identity"
)

const testLink = "natter://192.168.1.10:50001/?fp=XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ"

func loginScreen(t *testing.T, f *login.Form) *uitest.Driver {
	th := theme.New(fonts.NewEmbeddedShaper(), false)
	d := uitest.NewScreen(t, image.Pt(800, 700), func(gtx layout.Context) layout.Dimensions {
		return login.Style{Th: th, Form: f}.Layout(gtx)
	})
	d.Frame()
	return d
}

// A pasted join link is taken as the hub's TLS address and its key.
func TestPastedJoinLink(t *testing.T) {
	f := login.New("alice", "")
	d := loginScreen(t, f)
	f.Addr.SetText("")
	d.TypeInto(&f.Addr.Editor, testLink)
	d.Press(f.JoinButton())
	r, ok := f.Submitted()
	d.Frame()
	require.True(t, ok, "labels: %q, address %q", d.Labels(), f.Addr.Text())
	want, err := identity.ParseJoinLink(testLink)
	require.NoError(t, err)
	require.NotNil(t, r.Link)
	assert.Equal(t, want, *r.Link)
	assert.Equal(t, "192.168.1.10:50001", r.Addr)
	assert.False(t, r.Plaintext)
}

// A broken link is refused on the form, naming what is wrong.
func TestBrokenJoinLink(t *testing.T) {
	f := login.New("alice", "")
	d := loginScreen(t, f)
	f.Addr.SetText("")
	d.TypeInto(&f.Addr.Editor, "natter://192.168.1.10/?fp=XJ4B")
	d.Press(f.JoinButton())
	_, ok := f.Submitted()
	assert.False(t, ok)
	d.Frame()
	found := false
	for _, l := range d.Labels() {
		if len(l) > 30 && l[:30] == "That is not a Natter join link" {
			found = true
		}
	}
	assert.True(t, found, "labels: %q", d.Labels())
}

// Plaintext is joined only when the box is ticked.
func TestPlaintextChoice(t *testing.T) {
	f := login.New("alice", "10.0.0.5:50000")
	d := loginScreen(t, f)
	d.Press(f.JoinButton())
	r, ok := f.Submitted()
	require.True(t, ok)
	assert.False(t, r.Plaintext)
	f.Busy = false

	f.Plaintext.Value = true
	d.Frame()
	d.Press(f.JoinButton())
	r, ok = f.Submitted()
	require.True(t, ok)
	assert.True(t, r.Plaintext)
}

// A hub picked from the list is joined at the TLS port it announced.
func TestFoundHubTLSPort(t *testing.T) {
	found := login.FoundHubs([]discovery.Hub{
		{Name: "TLS hub", Addr: netip.MustParseAddrPort("192.168.1.10:50000"), TLSPort: 50001},
		{Name: "Old hub", Addr: netip.MustParseAddrPort("192.168.1.11:50000")},
	})
	require.Len(t, found, 2)
	assert.Equal(t, "192.168.1.10:50001", found[0].TLSAddr)
	assert.Empty(t, found[1].TLSAddr)

	th := theme.New(fonts.NewEmbeddedShaper(), false)
	f := login.New("alice", "")
	d := uitest.NewScreen(t, image.Pt(800, 700), func(gtx layout.Context) layout.Dimensions {
		return login.Style{Th: th, Form: f, Found: found}.Layout(gtx)
	})
	d.Frame()
	d.Press(f.FoundButton("192.168.1.10:50000"))
	d.Press(f.JoinButton())
	r, ok := f.Submitted()
	require.True(t, ok)
	assert.Equal(t, "192.168.1.10:50000", r.Addr)
	assert.Equal(t, "192.168.1.10:50001", r.TLSAddr)

	f.Busy = false
	f.Addr.SetText("10.0.0.9:50000") // typed over: no longer the hub picked
	d.Frame()
	d.Press(f.JoinButton())
	r, ok = f.Submitted()
	require.True(t, ok)
	assert.Empty(t, r.TLSAddr)
}
