//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/natter-chat/natter/core/discovery"
)

// These tests run natterd binaries in one network namespace and look for
// them from another, over a veth pair; traffic never leaves the two
// namespaces, which the tests make and remove. They need root and the ip
// tool, and are skipped without.

const (
	hubNsAddr    = "10.213.9.1"
	clientNsAddr = "10.213.9.2"
)

func runTool(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newNetnsPair makes namespaces hub (vethH, 10.213.9.1/24) and client
// (vethC, 10.213.9.2/24), or skips the test.
func newNetnsPair(t *testing.T) (hubNs, clientNs string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace tests need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network namespace tests need the ip tool (iproute2)")
	}
	var names []string
	for _, sfx := range []string{"h", "c"} {
		name := fmt.Sprintf("natnd%d%s", os.Getpid(), sfx)
		if err := runTool("ip", "netns", "add", name); err != nil {
			t.Skipf("cannot create a network namespace: %v", err)
		}
		t.Cleanup(func() { assert.NoError(t, runTool("ip", "netns", "del", name)) })
		require.NoError(t, runTool("ip", "-n", name, "link", "set", "lo", "up"))
		names = append(names, name)
	}
	hubNs, clientNs = names[0], names[1]
	for _, s := range [][]string{
		{"ip", "-n", hubNs, "link", "add", "vethH", "type", "veth", "peer", "name", "vethC", "netns", clientNs},
		{"ip", "-n", hubNs, "addr", "add", hubNsAddr + "/24", "dev", "vethH"},
		{"ip", "-n", clientNs, "addr", "add", clientNsAddr + "/24", "dev", "vethC"},
		{"ip", "-n", hubNs, "link", "set", "vethH", "up"},
		{"ip", "-n", clientNs, "link", "set", "vethC", "up"},
	} {
		require.NoError(t, runTool(s[0], s[1:]...))
	}
	return hubNs, clientNs
}

// goInNetns runs f in a new goroutine, on an OS thread that has joined
// namespace ns; sockets made by f stay in ns whatever thread later uses
// them. The thread stays locked and is discarded afterwards. The returned
// channel yields the error of joining ns (f is then not run), or nil once
// f has returned.
func goInNetns(ns string, f func()) <-chan error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		fd, err := unix.Open("/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("opening namespace %s: %w", ns, err)
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			errc <- fmt.Errorf("joining namespace %s: %w", ns, err)
			return
		}
		f()
		errc <- nil
	}()
	return errc
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
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "-addr", addr, "-udp-addr", addr,
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
	done := goInNetns(ns, func() { runErr = b.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
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
		require.NoError(t, runTool(s[0], s[1:]...))
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
	require.NoError(t, <-goInNetns(clientNs, func() { conn, err = net.DialTimeout("tcp", hubNsAddr+":50000", 10*time.Second) }))
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

	assert.Regexp(t, `msg="announcing by multicast DNS" instance="Alpha hub._natter._tcp.local." on="vethH \(IPv4\), vethX \(IPv4\)`, alpha.stderr.String())
	assert.Regexp(t, `msg="announcing by multicast DNS" instance="Beta hub._natter._tcp.local." on="vethH \(IPv4\)`, beta.stderr.String())
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
	env := startAvahi(t, clientNs, "vethC")
	bin := buildNatterd(t)
	startNatterdIn(t, bin, hubNs, "Alpha hub", "", 50000)
	startNatterdIn(t, bin, hubNs, "Beta hub", "", 50010)

	var out string
	resolved := map[string][]string{}
	for range 40 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, "ip", "netns", "exec", clientNs, "avahi-browse", "-rtp", "_natter._tcp")
		cmd.Env = env
		b, _ := cmd.CombinedOutput()
		cancel()
		out = string(b)
		for line := range strings.SplitSeq(out, "\n") {
			if f := strings.Split(line, ";"); len(f) >= 10 && f[0] == "=" {
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

// startAvahi runs avahi-daemon in namespace ns on interface ifname, not
// publishing, with a private D-Bus, until the test ends; it returns the
// environment for avahi-browse. It skips the test when avahi or dbus-daemon
// is missing or another avahi-daemon runs (their pid files would clash).
func startAvahi(t *testing.T, ns, ifname string) []string {
	t.Helper()
	for _, tool := range []string{"avahi-daemon", "avahi-browse", "dbus-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	if exec.Command("avahi-daemon", "--check").Run() == nil {
		t.Skip("an avahi-daemon is already running")
	}
	dir := t.TempDir()
	bus := filepath.Join(dir, "bus")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bus.conf"), []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=`+bus+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "avahi.conf"), []byte(`[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=`+ifname+`
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
disable-publishing=yes
`), 0o600))
	env := append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS=unix:path="+bus)
	start := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Skipf("cannot start %s: %v", name, err)
		}
		t.Cleanup(func() {
			// Terminated, not killed, so avahi-daemon removes its pid file.
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			if t.Failed() {
				t.Logf("%s output:\n%s", name, out.String())
			}
		})
	}
	start("dbus-daemon", "--config-file="+filepath.Join(dir, "bus.conf"), "--nofork")
	for i := 0; ; i++ {
		if _, err := os.Stat(bus); err == nil {
			break
		}
		if i == 250 {
			t.Skip("private dbus-daemon did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start("ip", "netns", "exec", ns, "avahi-daemon", "-f", filepath.Join(dir, "avahi.conf"),
		"--no-drop-root", "--no-chroot", "--no-rlimits")
	// The daemon is ready once a browse through it ends cleanly.
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, "avahi-browse", "-tp", "_ready._tcp")
		cmd.Env = env
		err := cmd.Run()
		cancel()
		if err == nil {
			return env
		}
		if i == 50 {
			t.Skipf("avahi-daemon did not come up: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
