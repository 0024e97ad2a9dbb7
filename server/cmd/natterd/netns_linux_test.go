//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/discovery"
	"github.com/natter-chat/natter/internal/netnstest"
)

// These tests run natterd binaries in one network namespace and look for
// them from another, over a veth pair; traffic never leaves the two
// namespaces, which the tests make and remove. They need root and the ip
// tool, and are skipped without.

const (
	hubNsAddr    = "10.213.9.1"
	clientNsAddr = "10.213.9.2"
)

// newNetnsPair makes namespaces hub (vethH, 10.213.9.1/24) and client
// (vethC, 10.213.9.2/24), or skips the test.
func newNetnsPair(t *testing.T) (hubNs, clientNs string) {
	t.Helper()
	ns := netnstest.New(t, "natnd", "h", "c")
	netnstest.Link(t, ns[0], "vethH", hubNsAddr+"/24", ns[1], "vethC", clientNsAddr+"/24")
	return ns[0], ns[1]
}

// nsHub is a natterd process in a namespace.
type nsHub struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan error
}

// startNatterdIn runs the natterd binary in ns on host and port (TCP and
// UDP; host may be empty) and waits until it listens.
func startNatterdIn(t *testing.T, bin, ns, name, host string, port int) *nsHub {
	t.Helper()
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "-addr", addr, "-udp-addr", addr, "-http-addr=",
		"-dir", filepath.Join(t.TempDir(), "shared"), "-name", name)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	h := &nsHub{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = h.stderr
	require.NoError(t, cmd.Start())
	go func() { h.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-h.exited
		}
	})
	first, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "stderr: %s", h.stderr)
	require.Contains(t, first, "listening on")
	return h
}

// stop sends SIGTERM and waits for a clean exit.
func (h *nsHub) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, h.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-h.exited:
		require.NoError(t, err, "stderr: %s", h.stderr)
	case <-time.After(20 * time.Second):
		t.Fatal("natterd did not exit after SIGTERM")
	}
}

// eventWatcher collects a browser's events.
type eventWatcher struct {
	t      *testing.T
	events <-chan discovery.Event
}

// wait returns the first event of kind for the hub named name, skipping
// others, or fails after within.
func (w *eventWatcher) wait(kind discovery.EventKind, name string, match func(discovery.Hub) bool, within time.Duration) discovery.Event {
	w.t.Helper()
	timeout := time.After(within)
	for {
		select {
		case ev, ok := <-w.events:
			require.True(w.t, ok, "the browser stopped")
			if ev.Kind == kind && ev.Hub.Name == name && (match == nil || match(ev.Hub)) {
				return ev
			}
		case <-timeout:
			w.t.Fatalf("no %v event for %q within %v", kind, name, within)
		}
	}
}

// startBrowserIn runs a browser in ns, by multicast DNS only, until the
// test ends.
func startBrowserIn(t *testing.T, ns string) (*discovery.Browser, *eventWatcher) {
	t.Helper()
	b, err := discovery.NewBrowser(discovery.BrowserOptions{DisableProbe: true, DisableIPv6: true, QueryInterval: 2 * time.Second})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	// Run opens its sockets before it starts other goroutines, so they
	// all live in ns.
	done := netnstest.Go(t, ns, func() { runErr = b.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
			assert.NoError(t, runErr)
		case <-time.After(20 * time.Second):
			t.Error("browser did not stop")
		}
	})
	return b, &eventWatcher{t: t, events: b.Events()}
}

func TestNetnsMDNSFindsNatterd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and makes network namespaces")
	}
	hubNs, clientNs := newNetnsPair(t)
	// A second network in the hub's namespace, on which nobody browses.
	for _, s := range [][]string{
		{"ip", "-n", hubNs, "link", "add", "vethX", "type", "veth", "peer", "name", "vethY"},
		{"ip", "-n", hubNs, "addr", "add", "10.213.10.1/24", "dev", "vethX"},
		{"ip", "-n", hubNs, "link", "set", "vethX", "up"},
		{"ip", "-n", hubNs, "link", "set", "vethY", "up"},
	} {
		require.NoError(t, netnstest.Run(s[0], s[1:]...))
	}
	bin := buildNatterd(t)
	_, w := startBrowserIn(t, clientNs)

	start := time.Now()
	alpha := startNatterdIn(t, bin, hubNs, "Alpha hub", "", 50000)
	ev := w.wait(discovery.HubAppeared, "Alpha hub", nil, 20*time.Second)
	t.Logf("mDNS: hub listed %v after natterd was started", time.Since(start).Round(time.Millisecond))
	assert.Equal(t, hubNsAddr+":50000", ev.Hub.Address())
	assert.Equal(t, 50000, ev.Hub.UDPPort)
	assert.Equal(t, 0, ev.Hub.Users)
	assert.Equal(t, discovery.ViaMDNS, ev.Hub.Via)

	// Beta listens on one address only, and is announced only on the
	// interface that has it.
	beta := startNatterdIn(t, bin, hubNs, "Beta hub", hubNsAddr, 50010)
	ev = w.wait(discovery.HubAppeared, "Beta hub", nil, 20*time.Second)
	assert.Equal(t, hubNsAddr+":50010", ev.Hub.Address())

	// A user registering shows in the next announcement.
	var conn net.Conn
	var err error
	<-netnstest.Go(t, clientNs, func() { conn, err = net.DialTimeout("tcp", hubNsAddr+":50000", 10*time.Second) })
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	_, err = conn.Write([]byte("NICK carol\n"))
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	for range 20 {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "WELCOME ") {
			break
		}
	}
	w.wait(discovery.HubUpdated, "Alpha hub", func(h discovery.Hub) bool { return h.Users == 1 }, 20*time.Second)

	// IPv6 link-local addresses come up on the veths some time after they
	// do, before or after the first announcement: only the IPv4 ones are
	// certain.
	assert.Equal(t, "vethH (IPv4), vethX (IPv4)", announcedIPv4(t, alpha.stderr.String(), "Alpha hub"))
	assert.Equal(t, "vethH (IPv4)", announcedIPv4(t, beta.stderr.String(), "Beta hub"))
	assert.NotContains(t, beta.stderr.String(), "vethX")

	stopped := time.Now()
	beta.stop(t)
	ev = w.wait(discovery.HubDisappeared, "Beta hub", nil, 20*time.Second)
	t.Logf("mDNS: hub unlisted %v after SIGTERM (%s)", time.Since(stopped).Round(time.Millisecond), ev.Reason)
	assert.Equal(t, "goodbye", ev.Reason)
	conn.Close()
	alpha.stop(t)
}

func TestNetnsAvahiBrowseListsTwoNatterds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and makes network namespaces")
	}
	hubNs, clientNs := newNetnsPair(t)
	env := netnstest.StartAvahi(t, clientNs, "vethC", false)
	bin := buildNatterd(t)
	startNatterdIn(t, bin, hubNs, "Alpha hub", "", 50000)
	startNatterdIn(t, bin, hubNs, "Beta hub", "", 50010)

	var out string
	resolved := map[string][]string{}
	for range 40 {
		var lines [][]string
		out, lines = netnstest.AvahiBrowse(env, clientNs, "_natter._tcp")
		for _, f := range lines {
			if len(f) >= 10 {
				resolved[f[3]] = f
			}
		}
		if len(resolved) == 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("avahi-browse -rtp _natter._tcp:\n%s", out)
	require.Len(t, resolved, 2, "avahi-browse resolves both hubs")
	for name, port := range map[string]string{`Alpha\032hub`: "50000", `Beta\032hub`: "50010"} {
		f := resolved[name]
		require.NotNil(t, f, name)
		assert.Equal(t, "_natter._tcp", f[4])
		assert.Equal(t, hubNsAddr, f[7])
		assert.Equal(t, port, f[8])
		for _, kv := range []string{`"proto=natter/1"`, `"udp=` + port + `"`, `"users=0"`} {
			assert.Contains(t, f[9], kv)
		}
	}
}

// announcedIPv4 returns the IPv4 interfaces of the first "announcing by
// multicast DNS" line for instance in a natterd log.
func announcedIPv4(t *testing.T, log, instance string) string {
	t.Helper()
	m := regexp.MustCompile(`msg="announcing by multicast DNS" instance="` + regexp.QuoteMeta(instance) + `._natter._tcp.local." on="([^"]*)"`).FindStringSubmatch(log)
	require.NotNil(t, m, "no announcement of %q in:\n%s", instance, log)
	var v4 []string
	for _, on := range strings.Split(m[1], ", ") {
		if strings.HasSuffix(on, "(IPv4)") {
			v4 = append(v4, on)
		}
	}
	return strings.Join(v4, ", ")
}
