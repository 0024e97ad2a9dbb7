//go:build linux

package discovery

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/internal/netnstest"
)

// TestNetnsAvahiBrowse checks that a stock DNS-SD implementation sees the
// hub: avahi-daemon runs in namespace B and avahi-browse must list and
// resolve the hub announced from namespace A.
func TestNetnsAvahiBrowse(t *testing.T) {
	p := newNetnsPair(t)
	env := netnstest.StartAvahi(t, p.b, "vethB", false)
	startNetnsHub(t, p.a, Info{Name: "Attic hub v2.0", TCPPort: 50000, UDPPort: 50001, Users: func() int { return 2 }}, true, false)

	var out string
	var resolved [][]string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, resolved = netnstest.AvahiBrowse(env, p.b, "_natter._tcp")
		if len(resolved) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("avahi-browse -rtp _natter._tcp:\n%s", out)
	require.NotEmpty(t, resolved, "avahi-browse did not resolve the hub")
	f := resolved[len(resolved)-1]
	require.GreaterOrEqual(t, len(f), 10, strings.Join(f, ";"))
	require.Equal(t, `Attic\032hub\032v2\.0`, f[3], "instance name, in avahi-browse's escaped form")
	require.Equal(t, "_natter._tcp", f[4])
	require.Equal(t, nsAddrA, f[7])
	require.Equal(t, "50000", f[8])
	for _, kv := range []string{`"proto=natter/1"`, `"udp=50001"`, `"users=2"`} {
		require.Contains(t, f[9], kv)
	}
}

// TestNetnsAvahiPublishes checks the Browser against a stock responder:
// avahi-publish advertises a hub in namespace A, the Browser in B lists
// it, and drops it on avahi's goodbye.
func TestNetnsAvahiPublishes(t *testing.T) {
	p := newNetnsPair(t)
	env := netnstest.StartAvahi(t, p.a, "vethA", true)
	stop := netnstest.Start(t, env, p.a, "avahi-publish", "-s", "Stock hub", "_natter._tcp", "50000",
		"proto=natter/1", "udp=50002", "users=9")
	w := startNetnsBrowser(t, p.b, BrowserOptions{DisableProbe: true, QueryInterval: 2 * time.Second})
	// avahi first probes for its names for a second or more.
	ev := w.wait(HubAppeared, "Stock hub", 20*time.Second)
	require.Equal(t, nsAddrA+":50000", ev.Hub.Address())
	require.Equal(t, 50002, ev.Hub.UDPPort)
	require.Equal(t, 9, ev.Hub.Users)
	require.Equal(t, ViaMDNS, ev.Hub.Via)
	stop()
	ev = w.wait(HubDisappeared, "Stock hub", disappearWithin)
	require.Equal(t, "goodbye", ev.Reason)
}
