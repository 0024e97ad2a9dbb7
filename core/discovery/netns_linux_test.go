//go:build linux

package discovery

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/internal/netnstest"
)

// These tests build two network namespaces joined by a veth pair, run hubs
// in one and a browser in the other, and remove the namespaces afterwards.
// Traffic never leaves them. They need root (CAP_SYS_ADMIN, CAP_NET_ADMIN)
// and the ip tool, and are skipped without.

const (
	nsAddrA = "10.213.7.1"
	nsAddrB = "10.213.7.2"
)

type netnsPair struct {
	a, b string // namespace names
}

// newNetnsPair makes namespaces A (vethA, 10.213.7.1/24) and B (vethB,
// 10.213.7.2/24), or skips the test.
func newNetnsPair(t *testing.T) *netnsPair {
	t.Helper()
	ns := netnstest.New(t, "natdisc", "a", "b")
	netnstest.LinkNoDAD(t, ns[0], "vethA", nsAddrA+"/24", ns[1], "vethB", nsAddrB+"/24")
	return &netnsPair{a: ns[0], b: ns[1]}
}

type nsHub struct {
	info Info
	ann  atomic.Pointer[Announcer]
	stop func()
}

// startNetnsHub runs a hub's discovery side in ns: the announcer when
// mdns, the probe responder on its UDP port when probe.
func startNetnsHub(t *testing.T, ns string, info Info, mdns, probe bool) *nsHub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	var respDone chan struct{}
	h := &nsHub{info: info}
	done := netnstest.Go(t, ns, func() {
		if probe {
			pc, err := net.ListenPacket("udp4", fmt.Sprintf("0.0.0.0:%d", info.UDPPort))
			if err != nil {
				errs <- err
				return
			}
			r, err := NewProbeResponder(pc, info)
			if err != nil {
				pc.Close()
				errs <- err
				return
			}
			respDone = make(chan struct{})
			go func() {
				defer close(respDone)
				defer pc.Close()
				if err := r.Run(ctx); err != nil {
					errs <- err
				}
			}()
		}
		if mdns {
			a, err := NewAnnouncer(info, AnnouncerOptions{UsersInterval: 100 * time.Millisecond, RescanInterval: 500 * time.Millisecond})
			if err != nil {
				errs <- err
				return
			}
			h.ann.Store(a)
			if err := a.Run(ctx); err != nil {
				errs <- err
			}
		} else {
			<-ctx.Done()
		}
		if respDone != nil {
			<-respDone
		}
	})
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("hub did not stop")
		}
		select {
		case err := <-errs:
			t.Errorf("hub %q: %v", info.Name, err)
		default:
		}
	}
	t.Cleanup(h.stop)
	return h
}

// startNetnsBrowser runs a browser in ns until the test ends.
func startNetnsBrowser(t *testing.T, ns string, opts BrowserOptions) *watcher {
	t.Helper()
	b, err := NewBrowser(opts)
	require.NoError(t, err)
	return watchBrowser(t, b, func(run func()) <-chan struct{} { return netnstest.Go(t, ns, run) })
}

// eventually polls cond until it holds or the guard time passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func hubNamed(b *Browser, name string) (Hub, bool) {
	for _, h := range b.Hubs() {
		if h.Name == name {
			return h, true
		}
	}
	return Hub{}, false
}

func TestNetnsBothPaths(t *testing.T) {
	p := newNetnsPair(t)
	var users atomic.Int64
	users.Store(1)
	attic := startNetnsHub(t, p.a, Info{Name: "Attic hub v2.0", TCPPort: 50000, UDPPort: 50000,
		Users: func() int { return int(users.Load()) }}, true, true)
	started := time.Now()
	w := startNetnsBrowser(t, p.b, BrowserOptions{RescanInterval: 500 * time.Millisecond})

	ev := w.wait(HubAppeared, "Attic hub v2.0", appearWithin)
	t.Logf("appeared after %v via %v", time.Since(started).Round(time.Millisecond), ev.Hub.Via)
	assert.Equal(t, netip.MustParseAddrPort(nsAddrA+":50000"), ev.Hub.Addr)
	assert.Equal(t, 50000, ev.Hub.UDPPort)
	assert.Equal(t, 1, ev.Hub.Users)
	assert.Equal(t, "vethB", ev.Hub.Interface)
	ann := attic.ann.Load()
	require.NotNil(t, ann)
	assert.Contains(t, ann.Status().Using, "vethA (IPv4)")
	eventually(t, 5*time.Second, "hub seen by both paths", func() bool {
		h, _ := hubNamed(w.b, "Attic hub v2.0")
		return h.Via == ViaMDNS|ViaProbe
	})
	require.Len(t, w.b.Hubs(), 1, "one hub, de-duplicated across paths")

	users.Store(3)
	eventually(t, 5*time.Second, "user count updated", func() bool {
		h, _ := hubNamed(w.b, "Attic hub v2.0")
		return h.Users == 3
	})

	// A second hub on the same host shares the mDNS port.
	startNetnsHub(t, p.a, Info{Name: "Cellar hub", TCPPort: 50010, UDPPort: 50011}, true, false)
	ev = w.wait(HubAppeared, "Cellar hub", appearWithin)
	assert.Equal(t, ViaMDNS, ev.Hub.Via)
	assert.Equal(t, 50011, ev.Hub.UDPPort)
	assert.Len(t, w.b.Hubs(), 2)

	// IPv6 link-local addresses come a moment after the link; a rescan
	// then joins ff02::fb.
	eventually(t, 5*time.Second, "browsing on IPv6 too", func() bool {
		return slices.Contains(w.b.Status().Multicast.Using, "vethB (IPv6)")
	})
	st := w.b.Status()
	t.Log(st.Multicast.String())
	t.Log(st.Broadcast.String())
	assert.True(t, st.Multicast.Working)
	assert.Contains(t, st.Multicast.Using, "vethB (IPv4)")
	assert.True(t, st.Broadcast.Working)
	assert.Contains(t, st.Broadcast.Using, "10.213.7.255:50000")
	// No default route in the namespace: the limited broadcast fails, and
	// the status says so.
	assert.Contains(t, strings.Join(st.Broadcast.Problems, "\n"), "255.255.255.255:50000")

	stopped := time.Now()
	attic.stop()
	ev = w.wait(HubDisappeared, "Attic hub v2.0", disappearWithin)
	t.Logf("disappeared %v after stopping, reason %q", time.Since(stopped).Round(time.Millisecond), ev.Reason)
	assert.Equal(t, "goodbye", ev.Reason)
	_, still := hubNamed(w.b, "Cellar hub")
	assert.True(t, still)
}

func TestNetnsProbeOnly(t *testing.T) {
	p := newNetnsPair(t)
	hub := startNetnsHub(t, p.a, Info{Name: "Probe hub", TCPPort: 50000, UDPPort: 50000}, false, true)
	w := startNetnsBrowser(t, p.b, BrowserOptions{DisableMDNS: true, ProbeExpiry: 4 * time.Second})
	ev := w.wait(HubAppeared, "Probe hub", appearWithin)
	assert.Equal(t, ViaProbe, ev.Hub.Via)
	assert.Equal(t, "vethB", ev.Hub.Interface)
	assert.Equal(t, netip.MustParseAddrPort(nsAddrA+":50000"), ev.Hub.Addr)
	hub.stop()
	ev = w.wait(HubDisappeared, "Probe hub", disappearWithin)
	assert.Equal(t, "no answer to probes", ev.Reason)
}

func TestNetnsMDNSOnly(t *testing.T) {
	p := newNetnsPair(t)
	hub := startNetnsHub(t, p.a, Info{Name: "Multicast hub", TCPPort: 50000, UDPPort: 50000}, true, false)
	w := startNetnsBrowser(t, p.b, BrowserOptions{DisableProbe: true})
	ev := w.wait(HubAppeared, "Multicast hub", appearWithin)
	assert.Equal(t, ViaMDNS, ev.Hub.Via)
	assert.Equal(t, netip.MustParseAddrPort(nsAddrA+":50000"), ev.Hub.Addr)
	hub.stop()
	ev = w.wait(HubDisappeared, "Multicast hub", disappearWithin)
	assert.Equal(t, "goodbye", ev.Reason)
}

// A hub that vanishes without a goodbye (a crash, a pulled cable) is
// dropped once it leaves queries unanswered.
func TestNetnsSilentHubExpires(t *testing.T) {
	p := newNetnsPair(t)
	w := startNetnsBrowser(t, p.b, BrowserOptions{DisableProbe: true, QueryInterval: 2 * time.Second})
	// The hub announces itself until it is listed (a datagram may be lost),
	// then falls silent the way a crashed hub does.
	crash := make(chan struct{})
	fail := make(chan error, 1)
	done := netnstest.Go(t, p.a, func() {
		c, err := listenMDNS(4, DefaultMDNSPort, DefaultMDNSPort)
		if err != nil {
			fail <- err
			return
		}
		defer c.close()
		ifcs, err := SystemInterfaces()
		if err != nil {
			fail <- err
			return
		}
		ifc := selectInterfaces(ifcs, []string{"vethA"})[0]
		svc := newService(Info{Name: "Crashing hub", TCPPort: 50000, UDPPort: 50000}, "crashing")
		b, err := svc.announcement(addrsOf(ifc), recordTTL).pack()
		if err != nil {
			fail <- err
			return
		}
		for range 50 {
			_ = c.sendMulticast(b, ifc)
			select {
			case <-crash:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	w.wait(HubAppeared, "Crashing hub", 5*time.Second)
	close(crash)
	<-done
	select {
	case err := <-fail:
		t.Fatal(err)
	default:
	}
	ev := w.wait(HubDisappeared, "Crashing hub", 15*time.Second)
	assert.Equal(t, "no answer to queries", ev.Reason)
}

// A client on the hub's own machine finds it too: multicast and broadcast
// are looped back to local sockets.
func TestNetnsSameHost(t *testing.T) {
	p := newNetnsPair(t)
	startNetnsHub(t, p.a, Info{Name: "Home hub", TCPPort: 50000, UDPPort: 50000}, true, true)
	w := startNetnsBrowser(t, p.a, BrowserOptions{})
	w.wait(HubAppeared, "Home hub", appearWithin)
	eventually(t, 5*time.Second, "hub seen by both paths", func() bool {
		h, _ := hubNamed(w.b, "Home hub")
		return h.Via == ViaMDNS|ViaProbe
	})
	h, _ := hubNamed(w.b, "Home hub")
	assert.Equal(t, nsAddrA+":50000", h.Address())
}

// A hub with two networks answers on each with that network's address, and
// a client with two networks lists hubs from both, each on its interface.
func TestNetnsSeveralInterfaces(t *testing.T) {
	ns := netnstest.New(t, "natdisc", "l", "m", "r") // left client, middle hub, right client
	left, mid, right := ns[0], ns[1], ns[2]
	netnstest.LinkNoDAD(t, left, "toMid", "10.213.8.2/24", mid, "toLeft", "10.213.8.1/24")
	netnstest.LinkNoDAD(t, right, "toMid", "10.213.9.2/24", mid, "toRight", "10.213.9.1/24")

	startNetnsHub(t, mid, Info{Name: "Middle hub", TCPPort: 50000, UDPPort: 50000}, true, true)
	wl := startNetnsBrowser(t, left, BrowserOptions{})
	wr := startNetnsBrowser(t, right, BrowserOptions{})
	for _, c := range []struct {
		w    *watcher
		addr string
	}{{wl, "10.213.8.1:50000"}, {wr, "10.213.9.1:50000"}} {
		ev := c.w.wait(HubAppeared, "Middle hub", appearWithin)
		assert.Equal(t, c.addr, ev.Hub.Address())
		eventually(t, 5*time.Second, "hub seen by both paths at "+c.addr, func() bool {
			hs := c.w.b.Hubs()
			return len(hs) == 1 && hs[0].Via == ViaMDNS|ViaProbe && hs[0].Address() == c.addr
		})
	}

	// The middle as a client: one hub on each side, and its own.
	startNetnsHub(t, left, Info{Name: "Left hub", TCPPort: 50000, UDPPort: 50000}, true, true)
	startNetnsHub(t, right, Info{Name: "Right hub", TCPPort: 50000, UDPPort: 50000}, true, true)
	wm := startNetnsBrowser(t, mid, BrowserOptions{})
	l := wm.wait(HubAppeared, "Left hub", appearWithin)
	r := wm.wait(HubAppeared, "Right hub", appearWithin)
	assert.Equal(t, "10.213.8.2:50000", l.Hub.Address())
	assert.Equal(t, "toLeft", l.Hub.Interface)
	assert.Equal(t, "10.213.9.2:50000", r.Hub.Address())
	assert.Equal(t, "toRight", r.Hub.Interface)
	eventually(t, 5*time.Second, "both hubs on both paths", func() bool {
		l, _ := hubNamed(wm.b, "Left hub")
		r, _ := hubNamed(wm.b, "Right hub")
		return l.Via == ViaMDNS|ViaProbe && r.Via == ViaMDNS|ViaProbe
	})
	// Its own hub, once per network, on both paths.
	eventually(t, 5*time.Second, "own hub listed on each network", func() bool {
		n := 0
		for _, h := range wm.b.Hubs() {
			if h.Name == "Middle hub" && h.Via == ViaMDNS|ViaProbe {
				n++
			}
		}
		return n == 2
	})
	t.Logf("middle lists %+v", wm.b.Hubs())
}

// When another program holds the mDNS port exclusively, the browser asks
// from a port of its own and hubs answer it by unicast.
func TestNetnsOneShotQuerier(t *testing.T) {
	p := newNetnsPair(t)
	blocked := make(chan net.PacketConn, 1)
	fail := make(chan error, 1)
	<-netnstest.Go(t, p.b, func() {
		// No SO_REUSEADDR: nobody else may bind the port.
		pc, err := net.ListenPacket("udp4", fmt.Sprintf("0.0.0.0:%d", DefaultMDNSPort))
		if err != nil {
			fail <- err
			return
		}
		blocked <- pc
	})
	select {
	case err := <-fail:
		t.Fatal(err)
	case pc := <-blocked:
		t.Cleanup(func() { pc.Close() })
	}
	startNetnsHub(t, p.a, Info{Name: "Unicast hub", TCPPort: 50000, UDPPort: 50000}, true, false)
	w := startNetnsBrowser(t, p.b, BrowserOptions{DisableProbe: true, DisableIPv6: true})
	ev := w.wait(HubAppeared, "Unicast hub", appearWithin)
	assert.Equal(t, nsAddrA+":50000", ev.Hub.Address())
	st := w.b.Status().Multicast
	t.Log(st.String())
	assert.True(t, st.Working)
	assert.Contains(t, strings.Join(st.Problems, "\n"), "port 5353 taken, using one-shot queries")
}

// A browser learns a hub's TLS port and fingerprint from its TXT record.
func TestNetnsMDNSCarriesTLS(t *testing.T) {
	p := newNetnsPair(t)
	hub := startNetnsHub(t, p.a, Info{Name: "TLS hub", TCPPort: 50000, UDPPort: 50000, TLSPort: 50001, Fingerprint: testFingerprint}, true, false)
	defer hub.stop()
	w := startNetnsBrowser(t, p.b, BrowserOptions{DisableProbe: true})
	ev := w.wait(HubAppeared, "TLS hub", appearWithin)
	assert.Equal(t, 50001, ev.Hub.TLSPort)
	assert.Equal(t, testFingerprint, ev.Hub.Fingerprint)
}
