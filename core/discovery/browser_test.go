package discovery

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Guards against hanging; the tests do not measure speed.
const (
	appearWithin    = 2 * time.Second
	disappearWithin = 10 * time.Second
)

// startResponder serves probes on a fresh socket at 127.0.0.1 until the
// returned stop function is called.
func startResponder(t *testing.T, info Info) (addr netip.AddrPort, stop func()) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	info.UDPPort = pc.LocalAddr().(*net.UDPAddr).Port
	r, err := NewProbeResponder(pc, info)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		require.NoError(t, <-done)
		pc.Close()
	}
	t.Cleanup(stop)
	return pc.LocalAddr().(*net.UDPAddr).AddrPort(), stop
}

// watcher runs a browser until the test ends and records its events.
type watcher struct {
	t    *testing.T
	b    *Browser
	mu   sync.Mutex
	ev   []Event
	used map[int]bool // events already returned by wait
}

// runBrowser runs b until the test ends and records its events.
func runBrowser(t *testing.T, b *Browser) *watcher {
	return watchBrowser(t, b, func(run func()) <-chan struct{} {
		done := make(chan struct{})
		go func() { defer close(done); run() }()
		return done
	})
}

// watchBrowser runs b until the test ends and records its events. launch
// starts run in a goroutine of its choosing (one inside a network
// namespace, say) and returns a channel closed once run has returned.
func watchBrowser(t *testing.T, b *Browser, launch func(run func()) <-chan struct{}) *watcher {
	t.Helper()
	w := &watcher{t: t, b: b, used: map[int]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	done := launch(func() { runErr = b.Run(ctx) })
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for ev := range b.Events() {
			w.mu.Lock()
			w.ev = append(w.ev, ev)
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
			assert.NoError(t, runErr)
		case <-time.After(10 * time.Second):
			t.Error("browser did not stop")
		}
		<-collected
	})
	return w
}

// wait returns the first event of kind for the hub named name that it has
// not returned before.
func (w *watcher) wait(kind EventKind, name string, within time.Duration) Event {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for {
		w.mu.Lock()
		for i := range w.ev {
			if !w.used[i] && w.ev[i].Kind == kind && w.ev[i].Hub.Name == name {
				w.used[i] = true
				ev := w.ev[i]
				w.mu.Unlock()
				return ev
			}
		}
		w.mu.Unlock()
		if time.Now().After(deadline) {
			w.t.Fatalf("no %v event for %q within %v; hubs %+v; status %v", kind, name, within, w.b.Hubs(), w.b.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func loopbackBrowser(t *testing.T, targets ...netip.AddrPort) *Browser {
	b, err := NewBrowser(BrowserOptions{
		DisableMDNS:          true,
		NoInterfaceBroadcast: true,
		NoLimitedBroadcast:   true,
		ProbeTargets:         targets,
		ProbeInterval:        500 * time.Millisecond,
		ProbeExpiry:          3 * time.Second,
	})
	require.NoError(t, err)
	return b
}

func TestBrowserProbeLoopback(t *testing.T) {
	var users atomic.Int64
	users.Store(2)
	info := Info{Name: "Loop hub", TCPPort: 40001, Users: func() int { return int(users.Load()) }}
	addr, stop := startResponder(t, info)
	otherAddr, _ := startResponder(t, Info{Name: "Other hub", TCPPort: 40002})

	b := loopbackBrowser(t, addr, otherAddr)
	w := runBrowser(t, b)

	ev := w.wait(HubAppeared, "Loop hub", appearWithin)
	assert.Equal(t, netip.MustParseAddrPort("127.0.0.1:40001"), ev.Hub.Addr)
	assert.Equal(t, "127.0.0.1:40001", ev.Hub.Address())
	assert.Equal(t, int(addr.Port()), ev.Hub.UDPPort)
	assert.Equal(t, 2, ev.Hub.Users)
	assert.Equal(t, ViaProbe, ev.Hub.Via)
	w.wait(HubAppeared, "Other hub", appearWithin)
	require.Len(t, b.Hubs(), 2)
	assert.Equal(t, "Loop hub", b.Hubs()[0].Name)

	users.Store(5)
	ev = w.wait(HubUpdated, "Loop hub", appearWithin+time.Second)
	assert.Equal(t, 5, ev.Hub.Users)

	st := b.Status()
	assert.False(t, st.Multicast.Enabled, "multicast is off: %v", st.Multicast)
	assert.True(t, st.Broadcast.Working, "%v", st.Broadcast)

	stop()
	ev = w.wait(HubDisappeared, "Loop hub", disappearWithin)
	assert.Equal(t, "no answer to probes", ev.Reason)
	assert.Len(t, b.Hubs(), 1)
}

// A responder stays silent to anything but a valid probe; the answer to a
// valid one is never larger than the probe.
func TestProbeResponderIgnoresJunk(t *testing.T) {
	addr, _ := startResponder(t, Info{Name: "Quiet hub", TCPPort: 40003})
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(addr))
	require.NoError(t, err)
	defer c.Close()

	valid := BuildProbe(Nonce{7})
	junk := [][]byte{
		{0, 1, 'x', 0, 'o', 'c', 't', 'e', 't', 0},
		[]byte("NATTER?"),
		valid[:ProbeMinLen-1],
		append(append([]byte(nil), valid...), make([]byte, ProbeMaxLen)...),
		append([]byte("NATTER?\x02"), make([]byte, 88)...),
	}
	for _, j := range junk {
		_, err := c.Write(j)
		require.NoError(t, err)
	}
	_, err = c.Write(valid)
	require.NoError(t, err)

	buf := make([]byte, 2048)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, err := c.Read(buf)
	require.NoError(t, err)
	assert.LessOrEqual(t, n, len(valid)+MaxAnswerGrowth)
	a, err := ParseAnswer(buf[:n])
	require.NoError(t, err, "the first reply must answer the valid probe: junk gets none")
	assert.Equal(t, Nonce{7}, a.Nonce)

	// Nothing else arrives.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, err = c.Read(buf)
	assert.Error(t, err)
}

func TestBrowserRejectsBadOptions(t *testing.T) {
	_, err := NewBrowser(BrowserOptions{ProbePort: 70000})
	assert.ErrorContains(t, err, "probe port 70000")
	_, err = NewBrowser(BrowserOptions{ProbeTargets: []netip.AddrPort{netip.MustParseAddrPort("[::1]:5")}})
	assert.ErrorContains(t, err, "IPv4")
	_, err = NewAnnouncer(Info{Name: "", TCPPort: 1, UDPPort: 1}, AnnouncerOptions{})
	assert.ErrorContains(t, err, "empty")
}

func TestBrowserReportsUnusablePaths(t *testing.T) {
	noInterfaces := func() ([]Interface, error) { return nil, nil }
	b, err := NewBrowser(BrowserOptions{
		ListInterfaces:     noInterfaces,
		MDNSPort:           1, // never bound: no interface to use anyway
		NoLimitedBroadcast: true,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	var st BrowserStatus
	for time.Now().Before(deadline) {
		st = b.Status()
		if len(st.Broadcast.Problems) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	require.NoError(t, <-done)
	assert.False(t, st.Broadcast.Working)
	assert.Contains(t, st.Broadcast.String(), "broadcast: not working")
	assert.Contains(t, st.Broadcast.Problems, "no interface with an IPv4 broadcast address")
	assert.False(t, st.Multicast.Working)
	assert.NotEmpty(t, st.Multicast.Problems, "%v", st.Multicast)
	t.Log(st.Multicast.String())
	t.Log(st.Broadcast.String())
}

func TestBroadcastOf(t *testing.T) {
	bc, ok := broadcastOf(netip.MustParsePrefix("192.168.1.17/24"))
	assert.True(t, ok)
	assert.Equal(t, netip.MustParseAddr("192.168.1.255"), bc)
	bc, ok = broadcastOf(netip.MustParsePrefix("10.0.0.1/8"))
	assert.True(t, ok)
	assert.Equal(t, netip.MustParseAddr("10.255.255.255"), bc)
	_, ok = broadcastOf(netip.MustParsePrefix("10.0.0.1/31"))
	assert.False(t, ok)
	_, ok = broadcastOf(netip.MustParsePrefix("fe80::1/64"))
	assert.False(t, ok)
}

func TestCompactPending(t *testing.T) {
	a, c := netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("10.0.0.2:1")
	l := &browseLoop{pending: []Event{
		{Kind: HubAppeared, Hub: Hub{Addr: a}},
		{Kind: HubUpdated, Hub: Hub{Addr: a, Users: 1}},
		{Kind: HubUpdated, Hub: Hub{Addr: c, Users: 1}},
		{Kind: HubUpdated, Hub: Hub{Addr: a, Users: 2}},
	}}
	assert.Equal(t, 1, l.compactPending())
	assert.Equal(t, []Event{
		{Kind: HubAppeared, Hub: Hub{Addr: a}},
		{Kind: HubUpdated, Hub: Hub{Addr: c, Users: 1}},
		{Kind: HubUpdated, Hub: Hub{Addr: a, Users: 2}},
	}, l.pending)
}

func TestAnnouncerFailsWithoutInterfaces(t *testing.T) {
	// A free port, so the test never touches the real mDNS port.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	port := pc.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, pc.Close())

	a, err := NewAnnouncer(Info{Name: "Lonely hub", TCPPort: 1, UDPPort: 2}, AnnouncerOptions{
		ListInterfaces: func() ([]Interface, error) { return nil, nil },
		Port:           port,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = a.Run(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no interface with multicast")
	assert.Equal(t, `Lonely hub._natter._tcp.local.`, a.InstanceName())

	a, err = NewAnnouncer(Info{Name: "Named hub", TCPPort: 1, UDPPort: 2}, AnnouncerOptions{
		Interfaces:     []string{"wlan9"},
		ListInterfaces: func() ([]Interface, error) { return nil, errors.New("netlink: permission denied") },
		Port:           port,
	})
	require.NoError(t, err)
	err = a.Run(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "netlink: permission denied")
	assert.False(t, a.Status().Working)
}
