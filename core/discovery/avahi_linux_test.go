//go:build linux

package discovery

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startAvahi runs avahi-daemon in namespace ns on interface ifname, with a
// private D-Bus, until the test ends; it returns the environment for the
// avahi tools. It skips the test when avahi or dbus-daemon is missing or a
// system avahi-daemon already runs (its pid file would clash).
func startAvahi(t *testing.T, ns, ifname string, publish bool) []string {
	t.Helper()
	for _, tool := range []string{"avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon"} {
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
disable-publishing=`+map[bool]string{true: "no", false: "yes"}[publish]+`
`), 0o600))
	env := append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS=unix:path="+bus)

	start := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var out strings.Builder
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
	waitFor := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(bus); err == nil {
			break
		}
		if time.Now().After(waitFor) {
			t.Skip("private dbus-daemon did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start("ip", "netns", "exec", ns, "avahi-daemon", "-f", filepath.Join(dir, "avahi.conf"),
		"--no-drop-root", "--no-chroot", "--no-rlimits")

	// The daemon is ready once a browse through it terminates cleanly.
	waitFor = time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, "avahi-browse", "-tp", "_ready._tcp")
		cmd.Env = env
		err := cmd.Run()
		cancel()
		if err == nil {
			return env
		}
		if time.Now().After(waitFor) {
			t.Skipf("avahi-daemon did not come up: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startTool runs an avahi tool in ns until the test ends or stop is called.
func startTool(t *testing.T, env []string, ns string, args ...string) (stop func()) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		t.Logf("%s output:\n%s", args[0], out.String())
	}
	t.Cleanup(stop)
	return stop
}

// TestNetnsAvahiBrowse checks that a stock DNS-SD implementation sees the
// hub: avahi-daemon runs in namespace B and avahi-browse must list and
// resolve the hub announced from namespace A.
func TestNetnsAvahiBrowse(t *testing.T) {
	p := newNetnsPair(t)
	env := startAvahi(t, p.b, "vethB", false)
	startNetnsHub(t, p.a, Info{Name: "Attic hub v2.0", TCPPort: 50000, UDPPort: 50001, Users: func() int { return 2 }}, true, false)

	var out string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, "ip", "netns", "exec", p.b, "avahi-browse", "-rtp", "_natter._tcp")
		cmd.Env = env
		b, _ := cmd.CombinedOutput()
		cancel()
		out = string(b)
		if strings.Contains(out, "\n=;") || strings.HasPrefix(out, "=;") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("avahi-browse -rtp _natter._tcp:\n%s", out)
	var resolved string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "=;") {
			resolved = line
		}
	}
	require.NotEmpty(t, resolved, "avahi-browse did not resolve the hub")
	f := strings.Split(resolved, ";")
	require.GreaterOrEqual(t, len(f), 10, resolved)
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
	env := startAvahi(t, p.a, "vethA", true)
	stop := startTool(t, env, p.a, "avahi-publish", "-s", "Stock hub", "_natter._tcp", "50000",
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
